"""Inference-only speed-ups of a PyTorch detector: conv+BN fusion and
channels-last memory, as a function and as a test-time hook.

- Fusion folds each eval-mode ``BatchNorm2d`` into the convolution before it
  (``w' = w * gamma / sqrt(var + eps)``, ``b' = (b - mean) * gamma /
  sqrt(var + eps) + beta``) with mmcv's ``fuse_conv_bn``, which walks each
  module's children in order and replaces a BN that follows a conv by an
  ``Identity``. mmdet's ResNet registers ``conv1, bn1, conv2, bn2, ...`` in
  that order, and R-FCN's frozen-BN R101 and the sample R18 both qualify.
  Valid in eval mode only: training updates the BN statistics it folds.
- Channels-last stores 4-D weights (and so the convolutions' outputs) as
  NHWC, the layout oneDNN's CPU convolutions prefer.

Both change only the model's numerics at float rounding level; the tests
compare a fused, channels-last detector's detections with the original's.
"""
import torch
from mmcv.cnn import fuse_conv_bn
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from torch import nn

from .utils import unwrap_model


def prepare_for_inference(model: nn.Module, fuse: bool = False,
                          channels_last: bool = False) -> nn.Module:
    """Put ``model`` in eval mode and apply the chosen speed-ups in place.

    Args:
        model (nn.Module): A detector (weights loaded: fusion bakes the BN
            statistics in, so load before).
        fuse (bool): Fold BN into the preceding convolutions.
            Defaults to False.
        channels_last (bool): Store 4-D parameters channels-last.
            Defaults to False.

    Returns:
        nn.Module: ``model`` itself.
    """
    model.eval()
    if fuse:
        fuse_conv_bn(model)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    return model


@HOOKS.register_module()
class FastInferenceHook(Hook):
    """Apply :func:`prepare_for_inference` before testing.

    ``Runner.test`` loads the checkpoint after ``before_run``; this runs at
    ``before_test``, after the load, so the fused weights are the trained
    ones. ``tools/test.py --fuse-conv-bn --channels-last`` adds it.

    Args:
        fuse (bool): See :func:`prepare_for_inference`. Defaults to True.
        channels_last (bool): See :func:`prepare_for_inference`.
            Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, fuse: bool = True, channels_last: bool = False) -> None:
        self.fuse = fuse
        self.channels_last = channels_last

    def before_test(self, runner) -> None:
        prepare_for_inference(unwrap_model(runner), self.fuse,
                              self.channels_last)
