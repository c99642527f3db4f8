"""A CheckpointHook that deletes old checkpoints only after the new one is safe.

mmengine 0.10.7's ``CheckpointHook._save_checkpoint_with_step`` removes the
oldest kept checkpoint *before* it writes the new one, and rewrites
``last_checkpoint`` in place afterwards. With ``max_keep_ckpts=1`` a kill
during the write left a truncated newest file, no older one, and a
``last_checkpoint`` naming the deleted file: nothing to resume from. This
hook takes the same steps in a safe order: write the new checkpoint
(:class:`mmfacerfcn.engine.SafeResumeRunner` writes it under a temporary name
and renames it into place), point ``last_checkpoint`` at it (atomically), and
only then delete what ``max_keep_ckpts`` drops. A kill at any moment leaves
``last_checkpoint`` naming a complete file.
"""
import os.path as osp

from mmdet.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mmfacerfcn.utils.checkpoint_files import POINTER, write_text_atomic


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook`, old checkpoints deleted last.

    Same arguments and files as ``CheckpointHook``; ``SafeResumeRunner``
    uses it wherever a config names ``CheckpointHook``.
    """

    def _save_checkpoint_with_step(self, runner, step: int,
                                   meta: dict) -> None:
        """Save the checkpoint of ``step``, then drop the oldest kept one.

        Written out rather than wrapping ``super()``: the order of its steps
        is what has to change. The bookkeeping (``keep_ckpt_ids`` and
        ``last_ckpt`` in the message hub, saved with the checkpoint) is
        mmengine's.

        Args:
            runner (Runner): The training runner.
            step (int): Iteration or epoch number in the file name.
            meta (dict): Passed to ``runner.save_checkpoint``.
        """
        stale = []
        if self.max_keep_ckpts > 0 and not (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return

        write_text_atomic(osp.join(runner.work_dir, POINTER), self.last_ckpt)
        for old in stale:
            path = self.file_backend.join_path(self.out_dir,
                                               self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                # checkpoints saved by deepspeed are directories
                self.file_backend.rmtree(path)
