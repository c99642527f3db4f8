"""Face R-FCN for MMDetection 3.x.

Importing this package registers its modules into MMDetection's registries
(configs do it through ``custom_imports = dict(imports=['mmfacerfcn'])``).
"""
from .utils.env_check import check_mmcv

check_mmcv()

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (registers)
from .utils.checkpoint_types import allow_mmengine_checkpoint_types  # noqa: E402
from .version import __version__  # noqa: E402

allow_mmengine_checkpoint_types()

__all__ = ['__version__']
