"""Face R-FCN for MMDetection 3.x.

Importing the package itself is light: it loads neither torch nor the
OpenMMLab stack, so the numpy-only parts (``mmfacerfcn.evaluation.functional``
and ``tools/wider_eval.py``) run where only numpy and scipy are installed.

Modules are registered into MMDetection's registries by importing the
subpackages that define them, listed in :data:`REGISTERING_MODULES`. Configs
name them in ``custom_imports`` (``configs/_base_/models/face_rfcn_r101.py``),
as mmdet's own projects do; code that builds modules without a config calls
:func:`register_all_modules`.
"""
import importlib

from .version import __version__

#: The subpackages whose import registers our models, hooks, runner and
#: metric; the configs' ``custom_imports`` list exactly these.
REGISTERING_MODULES = ('mmfacerfcn.models', 'mmfacerfcn.engine',
                       'mmfacerfcn.evaluation.metrics')


def register_all_modules() -> None:
    """Import :data:`REGISTERING_MODULES`, registering everything we define.

    Importing them checks that mmcv 2.1.0 with its compiled ops is installed
    and lets torch's ``weights_only`` loader read mmengine's checkpoints.

    Raises:
        ImportError: mmcv is missing, of another version, or without ops.
    """
    for name in REGISTERING_MODULES:
        importlib.import_module(name)


__all__ = ['REGISTERING_MODULES', '__version__', 'register_all_modules']
