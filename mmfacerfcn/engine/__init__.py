from .hooks import (
    MemoryUsageHook,
    RoISamplerSwitchHook,
    WeightsOnlyCheckpointHook,
)

__all__ = [
    'MemoryUsageHook', 'RoISamplerSwitchHook', 'WeightsOnlyCheckpointHook'
]
