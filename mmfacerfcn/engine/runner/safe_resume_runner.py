"""A Runner whose resume never executes text stored in a checkpoint.

mmengine 0.10.7's ``Runner.resume`` passes ``checkpoint['meta']['config']``
to ``Config.fromstring``, which runs it as Python, only to read ``gpu_ids``
from it. mmengine itself stores its config as ``meta['cfg']`` and never writes
that key (mmcv 1.x runners did), so for our checkpoints it can only be put
there by someone else. A checkpoint is data: it is loaded with
``weights_only=True`` (:mod:`mmfacerfcn.utils.checkpoint_types`), and this
runner drops ``meta['config']`` as the checkpoint is loaded, before ``resume``
reads it; weights, iteration, optimizer, schedulers and the message hub are
resumed by mmengine as before.
"""
from mmdet.registry import RUNNERS
from mmengine.runner import Runner


@RUNNERS.register_module()
class SafeResumeRunner(Runner):
    """:class:`mmengine.runner.Runner` that ignores ``meta['config']``.

    ``tools/train.py`` uses it unless the config names a ``runner_type``.
    """

    def load_checkpoint(self, filename: str, *args, **kwargs) -> dict:
        """Load as mmengine does, then drop the executable config string.

        Args:
            filename (str): Checkpoint path or URL; the other arguments are
                :meth:`Runner.load_checkpoint`'s.

        Returns:
            dict: The checkpoint, without ``meta['config']``.
        """
        checkpoint = super().load_checkpoint(filename, *args, **kwargs)
        meta = checkpoint.get('meta')
        if isinstance(meta, dict) and 'config' in meta:
            del meta['config']
            self.logger.warning(
                f'{filename}: meta["config"] ignored (a checkpoint is data; '
                'its config text is not executed)')
        return checkpoint
