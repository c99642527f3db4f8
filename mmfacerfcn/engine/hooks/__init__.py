from .memory_usage_hook import MemoryUsageHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = ['MemoryUsageHook', 'WeightsOnlyCheckpointHook']
