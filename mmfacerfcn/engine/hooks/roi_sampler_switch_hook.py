"""Change the RoI head's sampler during training: OHEM after a warm-up.

OHEM (arXiv 1604.03540) trains the RoI classifier on the negatives it finds
hardest. With an untrained trunk those are the proposals that overlap a face
by just under the positive IoU: they look like the positives next to them, so
the classifier cannot tell them apart and stays at the sampler's prior (the
README's table of the embedded default has the measurements). Random sampling
first, OHEM once the classifier separates faces from background, is what this
hook makes possible, in the way mmdet's ``PipelineSwitchHook`` changes a
pipeline at an epoch.
"""
from typing import Optional

from mmdet.registry import HOOKS, TASK_UTILS
from mmdet.utils import ConfigType
from mmengine.hooks import Hook

from .utils import unwrap_model


@HOOKS.register_module()
class RoISamplerSwitchHook(Hook):
    """Build ``sampler`` into the RoI head from iteration ``switch_iter`` on.

    The switch happens before the first training iteration whose index
    (0-based ``runner.iter``) is at least ``switch_iter``; a run resumed past
    it switches before its first iteration.

    Args:
        switch_iter (int): The first iteration that uses ``sampler``.
        sampler (dict): A sampler config as in ``train_cfg.rcnn.sampler``
            (e.g. ``OHEMSampler``); ``context`` is the RoI head.
    """

    priority = 'NORMAL'

    def __init__(self, switch_iter: int, sampler: ConfigType) -> None:
        if switch_iter < 0:
            raise ValueError(f'switch_iter must be >= 0, got {switch_iter}')
        self.switch_iter = switch_iter
        self.sampler = sampler
        self._switched = False

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        """Switch once ``runner.iter`` reaches ``switch_iter``."""
        if self._switched or runner.iter < self.switch_iter:
            return
        model = unwrap_model(runner)
        roi_head = model.roi_head
        roi_head.bbox_sampler = TASK_UTILS.build(
            self.sampler, default_args=dict(context=roi_head))
        self._switched = True
        runner.logger.info(
            f'RoI sampler switched to {self.sampler["type"]} at iteration '
            f'{runner.iter}')
