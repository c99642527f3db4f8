from .hooks import (
    MemoryUsageHook,
    RoISamplerSwitchHook,
    SafeCheckpointHook,
    WeightsOnlyCheckpointHook,
)
from .runner import SafeResumeRunner

__all__ = [
    'MemoryUsageHook', 'RoISamplerSwitchHook', 'SafeCheckpointHook',
    'SafeResumeRunner', 'WeightsOnlyCheckpointHook'
]
