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
    """Versions of the stack and whether CUDA ops are usable.

    Returns:
        dict: package name to version string, plus ``cuda`` availability.
    """
    import torch
    env = {}
    for name in ('torch', 'torchvision', 'mmengine', 'mmcv', 'mmdet',
                 'mmfacerfcn', 'numpy', 'pycocotools', 'openmim'):
        try:
            env[name] = version(name)
        except PackageNotFoundError:
            env[name] = 'not installed'
    env['cuda available'] = str(torch.cuda.is_available())
    return env


def registered_modules() -> dict:
    """Names mmfacerfcn adds to mmdet's registries.

    Returns:
        dict: registry name to the sorted list of our module names there.
    """
    from mmdet import registry

    import mmfacerfcn  # noqa: F401  (registers on import)
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
