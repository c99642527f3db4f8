"""Write mmengine checkpoints that torch's safe loader can read.

torch >= 2.6 loads checkpoints with ``weights_only=True``. mmengine 0.10.7
stores its ``MessageHub`` log as ``HistoryBuffer`` objects whose pickled state
holds their statistics *functions*, which pickle as ``getattr(HistoryBuffer,
'min')``: a safe loader can only accept that by allowing ``builtins.getattr``,
which would let any checkpoint call anything. So instead of widening the
allow-list, this hook stores each buffer as plain lists before saving and
rebuilds the buffers after loading; what is left to allow-list is numpy's
array and scalar reconstruction (:mod:`mmfacerfcn.utils.checkpoint_types`).
"""
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

PLAIN_BUFFER_KEY = '__history_buffer__'


def buffer_to_plain(buf: HistoryBuffer) -> dict:
    """A ``HistoryBuffer`` as plain lists of Python numbers.

    Returns:
        dict: ``log_history``, ``count_history``, ``max_length`` and a marker.
    """
    log, count = buf.data
    return {PLAIN_BUFFER_KEY: True, 'log_history': log.tolist(),
            'count_history': count.tolist(), 'max_length': buf.max_length}


def plain_to_buffer(state: dict) -> HistoryBuffer:
    """Inverse of :func:`buffer_to_plain`."""
    return HistoryBuffer(state['log_history'], state['count_history'],
                         state['max_length'])


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Keep checkpoints loadable with ``torch.load(..., weights_only=True)``.

    Add it with ``custom_hooks = [dict(type='WeightsOnlyCheckpointHook')]``
    (our ``default_runtime`` does).
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Replace message-hub buffers by plain lists."""
        scalars = checkpoint.get('message_hub', {}).get('log_scalars', {})
        for key, value in scalars.items():
            if isinstance(value, HistoryBuffer):
                scalars[key] = buffer_to_plain(value)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Rebuild the buffers before the runner restores its message hub."""
        scalars = checkpoint.get('message_hub', {}).get('log_scalars', {})
        for key, value in scalars.items():
            if isinstance(value, dict) and value.get(PLAIN_BUFFER_KEY):
                scalars[key] = plain_to_buffer(value)
