from .roi_heads import *  # noqa: F401,F403
from .task_modules import *  # noqa: F401,F403
