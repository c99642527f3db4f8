"""A Runner whose checkpoints survive a kill and whose resume runs no code.

Resume safety: mmengine 0.10.7's ``Runner.resume`` passes
``checkpoint['meta']['config']`` to ``Config.fromstring``, which runs it as
Python, only to read ``gpu_ids`` from it. mmengine itself stores its config as
``meta['cfg']`` and never writes that key (mmcv 1.x runners did), so for our
checkpoints it can only be put there by someone else. A checkpoint is data: it
is loaded with ``weights_only=True`` (:mod:`mmfacerfcn.utils.checkpoint_types`),
and this runner drops ``meta['config']`` as the checkpoint is loaded, before
``resume`` reads it; weights, iteration, optimizer, schedulers and the message
hub are resumed by mmengine as before.

Kill safety: each checkpoint is written under a temporary name, flushed and
renamed into place (:mod:`mmfacerfcn.utils.checkpoint_files`), and
``CheckpointHook`` is replaced by :class:`SafeCheckpointHook`, which deletes
old checkpoints only once the new one and ``last_checkpoint`` are complete.
``--resume`` (auto) continues from the newest intact checkpoint, with a
warning when it passes a damaged one; every load first checks that the file
is complete.
"""
import contextlib
import os
import os.path as osp
from typing import Dict, Optional

from mmdet.registry import RUNNERS
from mmengine.dist import master_only
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner

from mmfacerfcn.engine.hooks.safe_checkpoint_hook import SafeCheckpointHook
from mmfacerfcn.utils.checkpoint_files import (
    CheckpointWriteError,
    IncompleteCheckpointError,
    check_checkpoint_complete,
    newest_intact_checkpoint,
    temporary_name,
)
from mmfacerfcn.utils.output_paths import replace_atomically


@RUNNERS.register_module()
class SafeResumeRunner(Runner):
    """:class:`mmengine.runner.Runner` with kill-safe checkpoints and a
    resume that ignores ``meta['config']``.

    ``tools/train.py`` uses it unless the config names a ``runner_type``.
    """

    def register_default_hooks(self,
                               hooks: Optional[Dict[str, object]] = None
                               ) -> None:
        """Register mmengine's default hooks, ``CheckpointHook`` made safe.

        A ``checkpoint`` entry of type ``CheckpointHook`` (also mmengine's
        default when the config has none) becomes :class:`SafeCheckpointHook`
        with the same arguments; other types and ``None`` are kept.

        Args:
            hooks (dict, optional): The config's ``default_hooks``.
        """
        hooks = dict(hooks or {})
        ckpt = hooks.get('checkpoint', dict(type='CheckpointHook',
                                            interval=1))
        if isinstance(ckpt, dict) and ckpt.get('type') in (
                'CheckpointHook', 'mmengine.CheckpointHook', CheckpointHook):
            hooks['checkpoint'] = dict(ckpt, type=SafeCheckpointHook)
        super().register_default_hooks(hooks)

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str,
                        file_client_args: Optional[dict] = None,
                        **kwargs) -> None:
        """Save as mmengine does, to a temporary name, then rename it.

        Arguments are :meth:`Runner.save_checkpoint`'s. Only local folders
        are written this way (object stores have no rename).

        Raises:
            CheckpointWriteError: The file could not be written (full disk,
                permissions); no part of it is left, earlier ones are kept.
        """
        backend = get_file_backend(out_dir,
                                   backend_args=kwargs.get('backend_args'))
        if file_client_args is not None or not isinstance(
                backend, LocalBackend):
            return super().save_checkpoint(out_dir, filename,
                                           file_client_args, **kwargs)
        path = osp.join(out_dir, filename)
        tmp = temporary_name(path)
        try:
            super().save_checkpoint(out_dir, osp.basename(tmp), **kwargs)
            replace_atomically(tmp, path)
        except BaseException as err:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            if isinstance(err, OSError):
                raise CheckpointWriteError(
                    f'{path}: checkpoint not written ({err.strerror or err}); '
                    'the earlier checkpoints are kept') from err
            raise

    def load_or_resume(self) -> None:
        """Load or resume as mmengine does; auto-resume skips damaged files.

        ``resume=True`` without a file continues from
        :func:`newest_intact_checkpoint` of the work dir (mmengine takes
        whatever ``last_checkpoint`` names), with a warning naming each file
        passed over and the one used.

        Raises:
            IncompleteCheckpointError: Checkpoints exist but none is intact.
        """
        if self._has_loaded or not self._resume or self._load_from:
            return super().load_or_resume()
        resume_from, passed_over = newest_intact_checkpoint(self.work_dir)
        if passed_over and resume_from is None:
            raise IncompleteCheckpointError(
                '; '.join(passed_over) + ': no intact checkpoint to resume '
                f'from in {self.work_dir}')
        if passed_over:
            self.logger.warning(
                '; '.join(passed_over) + '; resuming from the newest intact '
                f'checkpoint instead: {resume_from}')
        self.logger.info(
            f'Auto resumed from the latest checkpoint {resume_from}.')
        if resume_from is not None:
            self.resume(resume_from)
            self._has_loaded = True

    def load_checkpoint(self, filename: str, *args, **kwargs) -> dict:
        """Load as mmengine does, after checking that the file is complete,
        then drop the executable config string.

        Args:
            filename (str): Checkpoint path or URL; the other arguments are
                :meth:`Runner.load_checkpoint`'s.

        Returns:
            dict: The checkpoint, without ``meta['config']``.

        Raises:
            IncompleteCheckpointError: ``filename`` is truncated or empty.
        """
        check_checkpoint_complete(filename)
        checkpoint = super().load_checkpoint(filename, *args, **kwargs)
        meta = checkpoint.get('meta')
        if isinstance(meta, dict) and 'config' in meta:
            del meta['config']
            self.logger.warning(
                f'{filename}: meta["config"] ignored (a checkpoint is data; '
                'its config text is not executed)')
        return checkpoint
