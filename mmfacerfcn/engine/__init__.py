from .hooks import (
    MemoryUsageHook,
    RoISamplerSwitchHook,
    WeightsOnlyCheckpointHook,
)
from .runner import SafeResumeRunner

__all__ = [
    'MemoryUsageHook', 'RoISamplerSwitchHook', 'SafeResumeRunner',
    'WeightsOnlyCheckpointHook'
]
