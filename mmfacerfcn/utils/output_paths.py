"""Write outputs all or nothing, and refuse paths a tool must not write.

Checks, before any work: an output path that would overwrite the tool's own
input (:func:`check_output_not_input`) or that cannot be written at all (a
folder, a path under a file, a read-only file or folder:
:func:`check_output_writable`); and a relative name read from a file (an
image path in an annotation file, an image key turned into a submission file
name) that would leave the folder it is joined to (:func:`escape_reason`,
:func:`join_inside`). Then :func:`write_atomic` writes the output under a
temporary name and renames it into place, so a failure (a full disk, an
interrupt) leaves neither a partial file nor a folder it created.

Standard library only: the evaluation CLI and the converters use it where
nothing but numpy and scipy may be installed.
"""
import contextlib
import ntpath
import os
import os.path as osp
import stat
from pathlib import Path
from typing import IO, Callable, Iterable, Optional, Union

PathLike = Union[str, os.PathLike]


class OutputPathError(ValueError):
    """An output path the tool refuses or fails to write; names the path."""


class OutputOverwritesInputError(OutputPathError):
    """An output path that is an input file or lies in an input folder."""


class OutputWriteError(OutputPathError):
    """An output that cannot be written (folder, read-only, disk full...)."""


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


def _read_only(path: Path) -> bool:
    """Whether ``path`` is marked read-only (no write bit) or not writable.

    The mode bits are checked as well as :func:`os.access`, so a file or
    folder the user made read-only is respected even by root.
    """
    return (not os.access(path, os.W_OK)
            or not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP
                                          | stat.S_IWOTH))


def check_output_writable(out: PathLike) -> None:
    """Refuse, before any work, an output file that could not be written.

    Missing folders above ``out`` are fine (:func:`write_atomic` creates
    them); the nearest existing one must be a writable folder.

    Args:
        out (str | PathLike): The output file the tool is about to write.

    Raises:
        OutputWriteError: ``out`` is a folder or a read-only file, a path
            above it is a file, or the folder it would go into is read-only.
    """
    out = Path(out)
    if out.is_dir():
        raise OutputWriteError(f'{out}: is a folder; give a file name')
    if out.exists() and _read_only(out):
        raise OutputWriteError(f'{out}: is read-only')
    _check_nearest_folder(out, out.parent)


def check_output_folder(out_dir: PathLike) -> None:
    """Refuse, before any work, an output folder that could not be written.

    Args:
        out_dir (str | PathLike): The folder the tool writes its files into;
            it may not exist yet.

    Raises:
        OutputWriteError: ``out_dir`` is a file, a path above it is a file,
            or it (or the folder it would be created in) is read-only.
    """
    _check_nearest_folder(Path(out_dir), Path(out_dir))


def _check_nearest_folder(out: Path, folder: Path) -> None:
    """Refuse ``out`` unless the nearest existing path at or above ``folder``
    is a writable folder."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder == out and not folder.is_dir():
        raise OutputWriteError(f'{out}: is a file, not a folder')
    if not folder.is_dir():
        raise OutputWriteError(f'{out}: cannot be created, {folder} is a file '
                               'and not a folder')
    if _read_only(folder):
        raise OutputWriteError(f'{out}: cannot be written, the folder {folder} '
                               'is read-only')


def replace_atomically(tmp: PathLike, path: PathLike) -> None:
    """Flush ``tmp`` to disk, then rename it onto ``path``.

    ``os.replace`` is atomic on POSIX: ``path`` names the old file or the
    whole new one, never a part. ``fsync`` first, so that after a power cut
    the renamed file holds its data; the folder is synced so the rename
    itself persists.

    Args:
        tmp (str | PathLike): The complete file, in ``path``'s folder.
        path (str | PathLike): Its final name.
    """
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    # Some file systems refuse fsync on a folder; the rename still happened.
    with contextlib.suppress(OSError):
        fd = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(out: PathLike, write: Callable[[IO[str]], None]) -> None:
    """Write ``out`` all or nothing.

    ``write`` fills a temporary file in the same folder, which is flushed to
    disk and renamed onto ``out`` (atomic on POSIX): a crash, an interrupt or
    a full disk never leaves a half-written ``out``, nor the temporary file,
    nor a folder this call created.

    Args:
        out (str | PathLike): Destination; missing folders are created.
        write (callable): Writes the content to the open UTF-8 text file it
            is given.

    Raises:
        OutputWriteError: The file cannot be written (``out: cannot write:
            No space left on device`` and the like), naming ``out``.
        Exception: Whatever ``write`` raises otherwise (e.g. ``TypeError``
            for an object JSON cannot hold), after the clean-up.
    """
    out = Path(out)
    check_output_writable(out)
    created = []
    folder = out.parent
    while not folder.exists():
        created.append(folder)
        folder = folder.parent
    tmp = out.with_name(f'.{out.name}.{os.getpid()}.tmp')
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, 'w', encoding='utf-8') as f:
            write(f)
        replace_atomically(tmp, out)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        for folder in created:  # deepest first; only if still empty
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        if isinstance(err, OSError):
            raise OutputWriteError(
                f'{out}: cannot write: {err.strerror or err}') from err
        raise
