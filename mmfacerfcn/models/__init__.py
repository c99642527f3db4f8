"""Face R-FCN's RoI head, PS RoI extractor, votes and OHEM sampler; the
crop verifier and the detector that uses it.

Importing this package registers them; it checks first that mmcv 2.1.0 with
its compiled ops (``mmcv.ops``, which they use) is installed.
"""
from ..utils.env_check import check_mmcv

check_mmcv()

from .detectors import *  # noqa: E402,F401,F403
from .roi_heads import *  # noqa: E402,F401,F403
from .task_modules import *  # noqa: E402,F401,F403
from .verifiers import *  # noqa: E402,F401,F403
