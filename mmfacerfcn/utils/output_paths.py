"""Refuse paths that would write where a tool must not write.

Two checks: an output path that would overwrite the tool's own input
(:func:`check_output_not_input`), and a relative name read from a file (an
image path in an annotation file, an image key turned into a submission file
name) that would leave the folder it is joined to (:func:`escape_reason`,
:func:`join_inside`).

Standard library only: the evaluation CLI and the converters use it where
nothing but numpy and scipy may be installed.
"""
import ntpath
import os
import os.path as osp
from typing import Iterable, Optional, Union

PathLike = Union[str, os.PathLike]


class OutputOverwritesInputError(ValueError):
    """An output path that is an input file or lies in an input folder."""


class PathEscapesFolderError(ValueError):
    """A relative name that, joined to its folder, would name a path outside."""


def _is_same_file(a: PathLike, b: PathLike) -> bool:
    """Whether two paths name one file (symlinks and hard links included)."""
    if osp.realpath(a) == osp.realpath(b):
        return True
    return osp.exists(a) and osp.exists(b) and osp.samefile(a, b)


def _is_inside(path: PathLike, folder: PathLike) -> bool:
    """Whether ``path`` is ``folder`` or lies anywhere below it."""
    real_path, real_folder = osp.realpath(path), osp.realpath(folder)
    return osp.commonpath([real_path, real_folder]) == real_folder


def check_output_not_input(out: PathLike, files: Iterable[PathLike] = (),
                           folders: Iterable[PathLike] = ()) -> None:
    """Refuse ``out`` when writing it would replace or add to an input.

    Paths are compared after resolving symbolic links (and, for files, by
    inode), so ``./a/../gt.txt`` or a link to an input is refused as well.

    Args:
        out (str | PathLike): The output file the tool is about to write.
        files (Iterable[str | PathLike]): Input files the tool reads.
        folders (Iterable[str | PathLike]): Input folders whose whole tree
            the tool reads (image folders, prediction folders).

    Raises:
        OutputOverwritesInputError: Naming ``out`` and the input it hits.
    """
    for path in files:
        if _is_same_file(out, path):
            raise OutputOverwritesInputError(
                f'{out}: is the input file {path}; write the output '
                'elsewhere')
    for folder in folders:
        if _is_inside(out, folder):
            raise OutputOverwritesInputError(
                f'{out}: lies inside the input folder {folder}; write the '
                'output elsewhere')


def escape_reason(name: str) -> Optional[str]:
    """Why ``name``, joined to a folder, would not stay inside that folder.

    The check is on the text alone, with ``/`` and ``\\`` both taken as
    separators (annotation files are also written on Windows): an absolute
    path (``/x``, ``\\x``, ``C:x``) leaves any folder, and so may a ``..``
    component, which is refused wherever it stands (``a/../b`` is no name an
    annotation file needs). Symbolic links inside the folder are followed as
    the user set them up.

    Args:
        name (str): A relative path read from a file.

    Returns:
        str | None: ``'is an absolute path'`` or ``"has a '..' component"``;
        None when ``name`` stays inside.
    """
    if name.startswith(('/', '\\')) or ntpath.splitdrive(name)[0]:
        return 'is an absolute path'
    if '..' in name.replace('\\', '/').split('/'):
        return "has a '..' component"
    return None


def join_inside(folder: PathLike, name: str) -> str:
    """``folder`` joined with the relative ``name``, refused if it would leave.

    Args:
        folder (str | PathLike): The folder everything must stay in.
        name (str): A relative path with ``/`` separators (e.g. an image key
            ``"<event>/<name>"`` plus its extension).

    Returns:
        str: The joined path.

    Raises:
        PathEscapesFolderError: Naming ``name``, ``folder`` and the reason
            (see :func:`escape_reason`).
    """
    reason = escape_reason(name)
    if reason is not None:
        raise PathEscapesFolderError(
            f'{name!r} {reason}: it would lie outside {folder}')
    return osp.join(folder, *name.split('/'))
