"""Run the command-line tools in-process and check how they fail.

A script is run through its ``__main__`` with :func:`runpy.run_path` (a
fresh interpreter would import mmdet again, seconds per case). A tool that
refuses its input must exit non-zero with one line that names the file at
fault, never a traceback, and leave nothing behind: :func:`assert_refused`.
"""
import errno
import importlib.util
import os
import runpy
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterable, Optional, Set, Union

import pytest

PathLike = Union[str, os.PathLike]


def run_script(monkeypatch: pytest.MonkeyPatch, script: PathLike,
               *args: PathLike) -> int:
    """Run ``script`` as ``python script args...`` in this process.

    Args:
        monkeypatch (pytest.MonkeyPatch): Sets ``sys.argv`` for the run.
        script (str | PathLike): The tool's file.
        *args (str | PathLike): Its command-line arguments.

    Returns:
        int: Its exit status (``sys.exit``'s code; a message given to
        ``SystemExit`` counts as 1, as Python's own exit does).
    """
    monkeypatch.setattr(sys, 'argv', [str(script), *map(str, args)])
    try:
        runpy.run_path(str(script), run_name='__main__')
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    return 0


def load_tool(script: PathLike, name: str) -> ModuleType:
    """A tool's file imported as a module (its ``__main__`` block not run),
    to call its functions in this process.

    Args:
        script (str | PathLike): The tool's file.
        name (str): The module's name, unique among the tests.

    Returns:
        ModuleType: The module.
    """
    spec = importlib.util.spec_from_file_location(name, str(script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def files_under(folder: PathLike) -> Set[str]:
    """Every file and folder under ``folder``, relative to it (hidden ones
    included), to compare before and after a refused run."""
    root = Path(folder)
    return {str(p.relative_to(root)) for p in root.rglob('*')}


def assert_refused(status: int, stderr: str, *names: PathLike,
                   folder: Optional[PathLike] = None,
                   before: Optional[Iterable[str]] = None) -> str:
    """Check a refused run: status, one error line naming ``names``, no
    traceback, nothing left behind.

    Args:
        status (int): The exit status (see :func:`run_script`).
        stderr (str): What the run printed to stderr.
        *names (str | PathLike): What the error line must contain: the file
            at fault, ``file:line`` where there is a line.
        folder (str | PathLike, optional): Where outputs would go.
        before (Iterable[str], optional): :func:`files_under` ``folder``
            before the run; it must be unchanged after it.

    Returns:
        str: The error line.
    """
    assert status != 0, stderr
    assert 'Traceback' not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
    if folder is not None:
        assert files_under(folder) == set(before or ()), files_under(folder)
    return lines[0]


def fill_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every later ``os.fsync`` fail as on a full disk (``ENOSPC``).

    Where a write reports a full disk depends on the file system (``write``,
    ``fsync`` or ``close``); the atomic writer of
    :mod:`mmfacerfcn.utils.output_paths` syncs every output, so failing
    there reaches every tool that writes through it.
    """

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, 'fsync', full)


def env_without(module: str, folder: Path) -> dict:
    """Environment for a subprocess in which ``import module`` fails.

    A package of that name that raises ImportError is written under
    ``folder/blocked`` and put first on ``PYTHONPATH``.

    Args:
        module (str): Top-level module name, e.g. ``'onnxruntime'``.
        folder (Path): A scratch folder.

    Returns:
        dict: ``os.environ`` with that ``PYTHONPATH``.
    """
    blocker = Path(folder) / 'blocked' / module
    blocker.mkdir(parents=True)
    (blocker / '__init__.py').write_text(
        f"raise ImportError('No module named {module}')\n")
    return dict(os.environ, PYTHONPATH=str(blocker.parent))
