"""Train in channels-last memory: the layout oneDNN's CPU convolutions
prefer."""
import torch
from mmdet.registry import HOOKS
from mmengine.hooks import Hook

from .utils import unwrap_model


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Store the model's 4-D parameters channels-last (NHWC) for training.

    A convolution whose weight is channels-last gives a channels-last output,
    and oneDNN (PyTorch's CPU convolutions) computes those, forward and
    backward, without the layout conversions that NCHW tensors cost it; the
    other layers keep whatever layout they get. Only the memory layout
    changes, not the arithmetic, so losses and gradients agree with NCHW
    training up to float rounding (``tests/test_engine/
    test_channels_last_hook.py``); the speed-up is measured in the README.
    :func:`~mmfacerfcn.engine.prepare_for_inference` is the same for
    inference.

    It runs before everything else at ``before_train`` (priority
    ``'HIGHEST'``): after the runner has initialised or loaded the weights,
    and before the hooks that train parts of the model outside the loop
    (:class:`TrunkPretrainHook`, :class:`CropVerifierTrainHook`), so that
    they run channels-last too. The conversion keeps each parameter object
    (``Module.to`` swaps its data), so the optimizer the runner has built
    still holds them. Checkpoints keep the layout, and load into a model of
    either layout. Under DDP the model is converted after the runner has
    wrapped it; that case is not tested here.
    """

    priority = 'HIGHEST'

    def before_train(self, runner) -> None:
        unwrap_model(runner).to(memory_format=torch.channels_last)
