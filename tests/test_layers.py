"""The package's layer rule, read off the source's import statements.

From the bottom up: ``utils`` -> ``evaluation/functional`` and format parsing
(numpy, no torch) -> ``models``, ``evaluation/metrics``, ``engine`` ->
``testing`` -> ``tools``. A module imports only from its own layer or below.
Every ``import`` counts, at module level or inside a function: a deferred
import is still a dependency, only a later one.

Also: the numpy-only layer, and ``tools/wider_eval.py`` and
``tools/fddb_eval.py``, reach neither torch nor the OpenMMLab stack through any
chain of our own modules.
"""
import ast
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / 'mmfacerfcn'

#: Layer of each part of the package (the longest matching prefix wins).
LAYERS = {
    'mmfacerfcn.version': 0,
    'mmfacerfcn.utils': 0,
    # numpy only: the protocols and the file formats.
    'mmfacerfcn.evaluation': 1,  # the package itself imports nothing
    'mmfacerfcn.evaluation.functional': 1,
    'mmfacerfcn.data_formats': 1,
    # on MMDetection: registered modules.
    'mmfacerfcn.models': 2,
    'mmfacerfcn.evaluation.metrics': 2,
    'mmfacerfcn.engine': 2,
    # ONNX export: the models' predict path in exportable tensor ops.
    'mmfacerfcn.deployment': 2,
    'mmfacerfcn.testing': 3,
    # The root: register_all_modules() imports the registering subpackages.
    'mmfacerfcn': 4,
}
LAYER_NAMES = ['utils', 'numpy-only (evaluation/functional, format parsing)',
               'models, evaluation/metrics, engine, deployment', 'testing',
               'the package root']
#: What the numpy-only layer and tools/wider_eval.py must not reach.
HEAVY = ('torch', 'torchvision', 'mmcv', 'mmdet', 'mmengine')

#: (importing module, imported module) pairs that break the layer rule and
#: are known; each with the reason. Remove a pair when it is fixed.
KNOWN_UPWARD = {
    # The environment report (``python -m mmfacerfcn.utils.env_check``, run
    # by tools/setup_env.sh) lists what our modules register, so it has to
    # import them; it does so inside registered_modules() only, so importing
    # utils stays light.
    ('mmfacerfcn.utils.env_check', 'mmfacerfcn.register_all_modules'),
}
#: Numpy-only modules that import a HEAVY package themselves, with the
#: reason. mmengine does not load torch, but wider_eval.py promises to run
#: without it; these are reached by the converters, not by wider_eval.py.
KNOWN_HEAVY = {
    # mmfacerfcn/data_formats/converter_cli.py: mmengine.dump writes the JSON.
    ('mmfacerfcn.data_formats.converter_cli', 'mmengine'),
    # mmfacerfcn/data_formats/face_coco.py: mmengine's progress bar.
    ('mmfacerfcn.data_formats.face_coco', 'mmengine'),
}


def layer_of(module: str) -> int:
    """The layer of one of our modules, by the longest prefix in LAYERS."""
    parts = module.split('.')
    for end in range(len(parts), 0, -1):
        prefix = '.'.join(parts[:end])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise KeyError(f'{module}: no layer in LAYERS; add its package')


def module_name(path: Path) -> str:
    """``mmfacerfcn/a/b.py`` -> ``mmfacerfcn.a.b``; a package's __init__ is
    the package."""
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def package_modules() -> Dict[str, Path]:
    """Every module of the package (not the .mim links to configs and
    tools), by dotted name."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob('*.py'))
            if not any(part.startswith(('.', '__pycache__'))
                       for part in p.relative_to(PACKAGE).parts)}


def imports_of(path: Path, module: str) -> Iterator[Tuple[str, int]]:
    """Dotted names a file imports, with their line numbers.

    ``from a import b`` yields ``a.b`` (``b`` may be a submodule or a name in
    ``a``: :func:`layer_of` places both in ``a``'s layer or a deeper one);
    relative imports are resolved against ``module``.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == '__init__.py'
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split('.')
                if not is_package:
                    base.pop()
                base = base[:len(base) - node.level + 1]
                base = '.'.join(base + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                yield (base if alias.name == '*' else
                       f'{base}.{alias.name}'), node.lineno


def our_imports(path: Path, module: str) -> List[Tuple[str, int]]:
    return [(name, line) for name, line in imports_of(path, module)
            if name.split('.')[0] == 'mmfacerfcn']


def owning_module(name: str, modules: Dict[str, Path]) -> str:
    """The module file an imported name lives in: the longest prefix that is
    one of ``modules``."""
    parts = name.split('.')
    for end in range(len(parts), 0, -1):
        prefix = '.'.join(parts[:end])
        if prefix in modules:
            return prefix
    raise KeyError(f'{name}: no such module in mmfacerfcn')


def upward_imports(modules: Dict[str, Path]) -> Set[Tuple[str, str, str]]:
    """(module, imported name, where) for every import above the module's
    layer."""
    found = set()
    for module, path in modules.items():
        for name, line in our_imports(path, module):
            if layer_of(name) > layer_of(module):
                found.add((module, name,
                           f'{path.relative_to(ROOT)}:{line}: '
                           f'{LAYER_NAMES[layer_of(module)]} imports {name} '
                           f'({LAYER_NAMES[layer_of(name)]})'))
    return found


def heavy_imports(roots: Dict[str, Path],
                  modules: Dict[str, Path]) -> Set[Tuple[str, str, str]]:
    """(module, heavy package, chain) for every HEAVY import reachable from
    ``roots`` through our own modules (module level or not)."""
    found, seen = set(), set()
    todo = [(name, path, [name]) for name, path in roots.items()]
    while todo:
        module, path, chain = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name, line in imports_of(path, module):
            top = name.split('.')[0]
            if top in HEAVY:
                found.add((module, top, f'{" -> ".join(chain)} '
                           f'({path.relative_to(ROOT)}:{line}: {name})'))
            elif top == 'mmfacerfcn':
                target = owning_module(name, modules)
                # Importing a.b.c runs a/__init__ and a/b/__init__ first.
                parts = target.split('.')
                for end in range(1, len(parts) + 1):
                    step = '.'.join(parts[:end])
                    if step in modules:
                        todo.append((step, modules[step], chain + [step]))
    return found


@pytest.fixture(scope='module')
def modules():
    return package_modules()


def test_every_module_has_a_layer(modules):
    for module in modules:
        layer_of(module)


def test_no_module_imports_above_its_layer(modules):
    found = upward_imports(modules)
    unknown = sorted(where for module, name, where in found
                     if (module, name) not in KNOWN_UPWARD)
    assert not unknown, '\n'.join(unknown)


def test_numpy_only_layer_reaches_no_torch(modules):
    roots = {m: p for m, p in modules.items() if layer_of(m) == 1}
    found = heavy_imports(roots, modules)
    unknown = sorted(chain for module, top, chain in found
                     if (module, top) not in KNOWN_HEAVY)
    assert not unknown, '\n'.join(unknown)


@pytest.mark.parametrize('tool', ['wider_eval', 'fddb_eval'])
def test_eval_tool_reaches_no_torch_nor_openmmlab(modules, tool):
    """No exception here: tools/wider_eval.py and tools/fddb_eval.py run with
    numpy and scipy only (tests/test_tools/test_wider_eval_without_torch.py
    runs them so)."""
    roots = {f'tools.{tool}': ROOT / 'tools' / f'{tool}.py'}
    chains = sorted(chain for _, _, chain in heavy_imports(roots, modules))
    assert not chains, '\n'.join(chains)


def test_known_exceptions_still_apply(modules):
    """A fixed exception must leave the lists, so that it cannot come back."""
    upward = {(m, n) for m, n, _ in upward_imports(modules)}
    assert KNOWN_UPWARD <= upward, KNOWN_UPWARD - upward
    roots = {m: p for m, p in modules.items() if layer_of(m) == 1}
    heavy = {(m, t) for m, t, _ in heavy_imports(roots, modules)}
    assert KNOWN_HEAVY <= heavy, KNOWN_HEAVY - heavy


@pytest.mark.parametrize('module, source, bad', [
    ('mmfacerfcn.utils.x', 'from mmfacerfcn.models import RFCNRoIHead\n',
     'mmfacerfcn.models.RFCNRoIHead'),
    ('mmfacerfcn.utils.x', 'def f():\n    from ..testing import configs\n',
     'mmfacerfcn.testing.configs'),
    ('mmfacerfcn.evaluation.functional.x',
     'from ..metrics import WiderFaceMetric\n',
     'mmfacerfcn.evaluation.metrics.WiderFaceMetric'),
    ('mmfacerfcn.evaluation.functional.x', 'import mmfacerfcn.engine\n',
     'mmfacerfcn.engine'),
    ('mmfacerfcn.models.x', 'from mmfacerfcn.testing import benchmark\n',
     'mmfacerfcn.testing.benchmark'),
])
def test_an_upward_import_is_caught(tmp_path, monkeypatch, module, source,
                                    bad):
    path = tmp_path / 'mmfacerfcn' / Path(*module.split('.')[1:])
    path = path.with_suffix('.py')
    path.parent.mkdir(parents=True)
    path.write_text(source)
    monkeypatch.setattr(sys.modules[__name__], 'ROOT', tmp_path)
    found = upward_imports({module: path})
    assert [(m, n) for m, n, _ in found] == [(module, bad)]


def test_a_torch_import_behind_a_utility_is_caught(tmp_path, monkeypatch):
    (tmp_path / 'mmfacerfcn' / 'utils').mkdir(parents=True)
    (tmp_path / 'mmfacerfcn' / 'evaluation' / 'functional').mkdir(parents=True)
    util = tmp_path / 'mmfacerfcn' / 'utils' / 'helper.py'
    util.write_text('def f():\n    import torch.nn\n')
    functional = (tmp_path / 'mmfacerfcn' / 'evaluation' / 'functional' /
                  'x.py')
    functional.write_text('from ...utils.helper import f\n')
    monkeypatch.setattr(sys.modules[__name__], 'ROOT', tmp_path)
    modules = {'mmfacerfcn.utils.helper': util,
               'mmfacerfcn.evaluation.functional.x': functional}
    found = heavy_imports({'mmfacerfcn.evaluation.functional.x': functional},
                          modules)
    assert [(m, t) for m, t, _ in found] == [('mmfacerfcn.utils.helper',
                                              'torch')]
