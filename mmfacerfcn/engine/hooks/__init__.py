from .memory_usage_hook import MemoryUsageHook
from .roi_sampler_switch_hook import RoISamplerSwitchHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .trunk_pretrain_hook import TrunkPretrainHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = [
    'MemoryUsageHook', 'RoISamplerSwitchHook', 'SafeCheckpointHook',
    'TrunkPretrainHook', 'WeightsOnlyCheckpointHook'
]
