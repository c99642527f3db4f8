from .hooks import MemoryUsageHook, WeightsOnlyCheckpointHook

__all__ = ['MemoryUsageHook', 'WeightsOnlyCheckpointHook']
