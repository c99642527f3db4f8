"""Checks that the pinned OpenMMLab stack is installed, with clear messages.

Run ``python -m mmfacerfcn.utils.env_check`` to print the versions and the
modules mmfacerfcn registers.
"""
import importlib.util
from importlib.metadata import PackageNotFoundError, version

MMCV_VERSION = '2.1.0'
SETUP_HINT = 'run `bash tools/setup_env.sh` from the mmfacerfcn repository'


def check_mmcv() -> None:
    """Raise ImportError naming the fix when mmcv is missing, wrong or lite.

    Raises:
        ImportError: mmcv is not installed, is not version 2.1.0, or was built
            without its compiled ops (``mmcv._ext``).
    """
    try:
        installed = version('mmcv')
    except PackageNotFoundError:
        raise ImportError(
            f'mmcv {MMCV_VERSION} with compiled ops is not installed; '
            f'{SETUP_HINT} (it builds mmcv from source, ~20 min the first '
            'time, then uses the cached wheel).') from None
    if installed != MMCV_VERSION:
        raise ImportError(
            f'mmcv {installed} is installed but mmfacerfcn needs mmcv '
            f'{MMCV_VERSION} (the newest mmdet 3.3.0 accepts); {SETUP_HINT}.')
    if importlib.util.find_spec('mmcv._ext') is None:
        raise ImportError(
            f'mmcv {installed} has no compiled ops (mmcv._ext missing: '
            f'mmcv-lite or a build without MMCV_WITH_OPS=1); {SETUP_HINT}.')


def collect_env() -> dict:
    """The environment as mmdet reports it, plus what mmfacerfcn pins.

    mmdet's ``collect_env`` (mmengine's, plus MMDetection) gives the
    platform, Python, CUDA, compilers, PyTorch, TorchVision, OpenCV and
    MMEngine; the versions of mmcv and the packages we pin are added. The
    PyTorch build details (many lines) are left out.

    Returns:
        dict: name to version or value, as strings.
    """
    from mmdet.utils import collect_env as mmdet_collect_env
    env = mmdet_collect_env()
    env.pop('PyTorch compiling details', None)
    for name in ('mmcv', 'mmfacerfcn', 'numpy', 'pycocotools', 'openmim'):
        try:
            env[name] = version(name)
        except PackageNotFoundError:
            env[name] = 'not installed'
    return env


def registered_modules() -> dict:
    """Names mmfacerfcn adds to mmdet's registries.

    Returns:
        dict: registry name to the sorted list of our module names there.
    """
    from mmdet import registry

    # The one upward import of utils (tests/test_layers.py lists it): this
    # diagnostic imports what registers, to list it; only when called.
    from mmfacerfcn import register_all_modules
    register_all_modules()
    ours = {}
    for reg_name in ('MODELS', 'TASK_UTILS', 'METRICS', 'DATASETS',
                     'TRANSFORMS', 'HOOKS'):
        reg = getattr(registry, reg_name)
        names = sorted(k for k, v in reg.module_dict.items()
                       if v.__module__.startswith('mmfacerfcn'))
        if names:
            ours[reg_name] = names
    return ours


def main() -> None:
    check_mmcv()
    for name, ver in collect_env().items():
        print(f'{name:>16}: {ver}')
    for reg_name, names in registered_modules().items():
        print(f'{reg_name:>16}: {", ".join(names)}')


if __name__ == '__main__':
    main()
