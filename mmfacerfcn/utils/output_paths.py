"""Refuse an output path that would overwrite a tool's own input.

Standard library only: the evaluation CLI and the converters use it where
nothing but numpy and scipy may be installed.
"""
import os
import os.path as osp
from typing import Iterable, Union

PathLike = Union[str, os.PathLike]


class OutputOverwritesInputError(ValueError):
    """An output path that is an input file or lies in an input folder."""


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
