"""Checkpoint files that are whole or absent: checks, atomic writes, fallback.

A checkpoint cut off while it was written (a killed run, a full disk) used to
stay under its final name; loading it gave a raw torch ``RuntimeError`` or
``EOFError``. Here are the pieces that prevent and report that, shared by the
runner (:class:`mmfacerfcn.engine.SafeResumeRunner`), its checkpoint hook and
the tools:

- :func:`check_checkpoint_complete`: the one completeness check, called before
  every load; :func:`exit_unless_checkpoint_complete` is its command-line form.
- :func:`temporary_name` and :func:`write_text_atomic`: a file is written
  under a temporary name, flushed to disk and renamed into place
  (:func:`mmfacerfcn.utils.output_paths.replace_atomically`), so its final
  name only ever holds a complete file.
- :func:`newest_intact_checkpoint`: what ``--resume`` continues from when the
  newest checkpoint of a work dir is damaged or missing.

Standard library only (the checks read the zip structure, not the tensors).
"""
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple, Union

from .output_paths import write_atomic

PathLike = Union[str, os.PathLike]

# torch.save writes a zip archive (torch >= 1.6); its directory is the last
# thing in the file, so a file cut off anywhere lacks it.
ZIP_MAGIC = b'PK\x03\x04'
# The names CheckpointHook gives by default (filename_tmpl), step last.
STEP_CHECKPOINT = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')
POINTER = 'last_checkpoint'


class IncompleteCheckpointError(ValueError):
    """A checkpoint file that is empty or was cut off while being written."""


class CheckpointWriteError(OSError):
    """A checkpoint that could not be written (full disk, no permission)."""


def _incomplete(filename: PathLike) -> Optional[str]:
    """``'<file>: not a complete checkpoint (...)'``, or None if it is whole.

    A file in torch's zip format must have its zip directory, which is
    written last; an empty file never is a checkpoint. URLs, missing files
    and torch's legacy (pre-1.6, plain pickle) format are left to the loader,
    which names the first two itself.
    """
    if '://' in str(filename) or not osp.isfile(filename):
        return None
    size = osp.getsize(filename)
    with open(filename, 'rb') as f:
        head = f.read(len(ZIP_MAGIC))
    # b'' (empty) and b'PK' (cut off in the first bytes) are zip prefixes too.
    if not ZIP_MAGIC.startswith(head):
        return None
    try:
        with zipfile.ZipFile(filename) as archive:
            archive.infolist()
        return None
    except (zipfile.BadZipFile, EOFError, ValueError):
        return (f'{filename}: not a complete checkpoint (truncated or empty '
                f'file, {size} bytes)')


def check_checkpoint_complete(filename: PathLike) -> None:
    """Raise unless ``filename`` is a whole checkpoint file (or not local).

    Called before every checkpoint load (runner, tools), so that a file cut
    off while it was written gives this one sentence instead of torch's
    ``RuntimeError`` / ``EOFError``.

    Args:
        filename (str | PathLike): Checkpoint path, or a URL (not checked).

    Raises:
        IncompleteCheckpointError: Naming the file and its size.
    """
    reason = _incomplete(filename)
    if reason is not None:
        raise IncompleteCheckpointError(
            f'{reason}; it was cut off while being written (a killed run or '
            'a full disk): use an earlier checkpoint')


def exit_unless_checkpoint_complete(filename: PathLike) -> None:
    """The tools' form of :func:`check_checkpoint_complete`.

    Args:
        filename (str | PathLike): The checkpoint the tool is about to load.

    Raises:
        SystemExit: With the one-line message, instead of torch's traceback.
    """
    try:
        check_checkpoint_complete(filename)
    except IncompleteCheckpointError as err:
        raise SystemExit(f'error: {err}') from err


def temporary_name(path: PathLike) -> str:
    """Where ``path`` is written first, before
    :func:`~mmfacerfcn.utils.output_paths.replace_atomically` renames it.

    In the same folder (a rename across file systems would not be atomic);
    a suffix that neither mmengine nor :func:`newest_intact_checkpoint` takes
    for a checkpoint.
    """
    return f'{os.fspath(path)}.tmp'


def write_text_atomic(path: PathLike, text: str) -> None:
    """Write ``text`` to ``path`` all or nothing (``last_checkpoint``), with
    :func:`~mmfacerfcn.utils.output_paths.write_atomic`.

    Args:
        path (str | PathLike): Destination file.
        text (str): Its whole content.
    """
    write_atomic(path, lambda f: f.write(text))


def _damage(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from, or None if it can."""
    if not osp.isfile(path):
        return f'{path}: not found'
    return _incomplete(path)


def newest_intact_checkpoint(
        work_dir: PathLike) -> Tuple[Optional[str], List[str]]:
    """The checkpoint ``--resume`` continues from, and what it passed over.

    The file ``<work_dir>/last_checkpoint`` names, if it is complete (as
    mmengine's ``find_latest_checkpoint`` returns it); otherwise the complete
    ``iter_<N>.pth`` / ``epoch_<N>.pth`` with the largest ``N`` in that
    file's folder (or ``work_dir``): a checkpoint damaged by an earlier
    version, by the disk, or a pointer left naming a deleted file.

    Args:
        work_dir (str | PathLike): The run's work dir.

    Returns:
        tuple[str | None, list[str]]: The checkpoint (None when there is no
        ``last_checkpoint`` and no step checkpoint: a fresh run), and one
        line per damaged or missing file passed over, naming it.
    """
    work_dir = os.fspath(work_dir)
    pointer = osp.join(work_dir, POINTER)
    named = None
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip() or None
    passed_over = []
    if named is not None:
        damage = _damage(named)
        if damage is None:
            return named, passed_over
        passed_over.append(f'{damage} (named by {pointer})')
    folder = osp.dirname(named) if named else work_dir
    steps = []
    for name in os.listdir(folder) if osp.isdir(folder) else ():
        match = STEP_CHECKPOINT.match(name)
        if match:
            steps.append((int(match.group(1)), osp.join(folder, name)))
    for _, path in sorted(steps, reverse=True):
        if path == named:
            continue
        damage = _damage(path)
        if damage is None:
            return path, passed_over
        passed_over.append(damage)
    return None, passed_over
