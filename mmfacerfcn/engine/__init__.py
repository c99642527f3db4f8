"""Runner-level behaviour: our hooks and the safely resuming runner.

Importing this package registers them and adds numpy's array and scalar types
to torch's ``weights_only`` allow-list, so the checkpoints mmengine writes
load safely (:mod:`mmfacerfcn.utils.checkpoint_types`).
"""
from ..utils.checkpoint_types import allow_mmengine_checkpoint_types
from .hooks import (
    ChannelsLastHook,
    CropVerifierTrainHook,
    FastInferenceHook,
    MemoryUsageHook,
    RoISamplerSwitchHook,
    SafeCheckpointHook,
    TrunkPretrainHook,
    WeightsOnlyCheckpointHook,
    prepare_for_inference,
)
from .runner import SafeResumeRunner

allow_mmengine_checkpoint_types()

__all__ = [
    'ChannelsLastHook', 'CropVerifierTrainHook', 'FastInferenceHook',
    'MemoryUsageHook', 'RoISamplerSwitchHook', 'SafeCheckpointHook', 'SafeResumeRunner',
    'TrunkPretrainHook', 'WeightsOnlyCheckpointHook', 'prepare_for_inference'
]
