"""Read the tools' input files with errors that name the file (and line).

A text list that is not UTF-8, a ``.mat`` file that is truncated or is not a
MATLAB file at all, a truncated JPEG: the readers under them raise
``UnicodeDecodeError``, ``IndexError``, ``OSError('could not read bytes')`` or
nothing, none of which says which file. These readers turn each into one
:class:`InputFileError`, ``file:line: what is wrong``, the format of the
converters' and the evaluation's messages.

Standard library at import; scipy and Pillow are imported by the function that
needs them, so the evaluation CLI (numpy and scipy only) may import this module.
"""
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Type, Union

PathLike = Union[str, os.PathLike]


class InputFileError(ValueError):
    """An input file that cannot be used.

    The message reads like a compiler error (``file:line: message``) so that the
    user can jump to the offending line.

    Args:
        file (str | PathLike): The file at fault.
        line (int, optional): 1-based line number, or None when the problem
            concerns the whole file (missing, unreadable, wrong structure).
        message (str): What is wrong.
    """

    def __init__(self, file: PathLike, line: Optional[int], message: str) -> None:
        self.file = str(file)
        self.line = line
        self.message = message
        where = self.file if line is None else f'{self.file}:{line}'
        super().__init__(f'{where}: {message}')


def read_text(path: PathLike,
              error_cls: Type[InputFileError] = InputFileError) -> str:
    """The content of a UTF-8 text file.

    Args:
        path (str | PathLike): The file.
        error_cls (type): :class:`InputFileError` subclass to raise.

    Returns:
        str: The decoded text.

    Raises:
        InputFileError: ``file: file not found`` (or another reason the file
            cannot be read), or ``file:line: not UTF-8 text`` naming the line
            and column of the first byte that is not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise error_cls(path, None, 'file not found' if not path.exists() else
                        'is not a file')
    try:
        data = path.read_bytes()
    except OSError as err:
        raise error_cls(path, None, f'cannot read file: {err.strerror}') from None
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as err:
        line_start = data.rfind(b'\n', 0, err.start) + 1
        raise error_cls(
            path, data.count(b'\n', 0, err.start) + 1,
            f'not UTF-8 text (byte 0x{data[err.start]:02x} at column '
            f'{err.start - line_start + 1})') from None


def read_text_lines(path: PathLike,
                    error_cls: Type[InputFileError] = InputFileError) -> List[str]:
    """The lines of a UTF-8 text list file, without its trailing blank lines.

    Args:
        path (str | PathLike): The file.
        error_cls (type): :class:`InputFileError` subclass to raise.

    Returns:
        list[str]: The lines, line ``i`` of the file at index ``i - 1``.

    Raises:
        InputFileError: See :func:`read_text`.
    """
    lines = read_text(path, error_cls).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def load_mat(path: PathLike, data: Optional[bytes] = None,
             error_cls: Type[InputFileError] = InputFileError) -> Dict[str, Any]:
    """``scipy.io.loadmat`` of a MATLAB file, refused with its name if broken.

    Args:
        path (str | PathLike): The file (read unless ``data`` is given; named
            in errors either way).
        data (bytes, optional): The file's content, already fetched (e.g.
            through an mmengine file backend).
        error_cls (type): :class:`InputFileError` subclass to raise.

    Returns:
        dict[str, Any]: The variables, as ``scipy.io.loadmat`` returns them.

    Raises:
        InputFileError: ``file: file not found``, or ``file: cannot read .mat
            file: ...`` for a truncated file or one that is no MATLAB file.
    """
    import io

    from scipy.io import loadmat  # scipy is heavy; only readers of .mat pay

    if data is None and not Path(path).is_file():
        raise error_cls(path, None, 'file not found')
    try:
        return loadmat(io.BytesIO(data) if data is not None else str(path))
    except Exception as err:  # scipy raises IndexError, OSError, MatReadError..
        reason = str(err) or type(err).__name__
        raise error_cls(path, None, 'cannot read .mat file (truncated, or no '
                        f'MATLAB file): {reason}') from None


def load_image_fully(path: PathLike) -> Tuple[int, int]:
    """Decode an image completely with Pillow and return its size.

    Reading the header is not enough: a truncated JPEG has a complete header,
    and OpenCV decodes it with only a warning, filling the missing rows grey.
    Pillow's full decode raises instead.

    Args:
        path (str | PathLike): The image file.

    Returns:
        tuple[int, int]: ``(width, height)``.

    Raises:
        FileNotFoundError: There is no such file.
        PIL.UnidentifiedImageError: Pillow does not know the format.
        PIL.Image.DecompressionBombError: The image is too large for Pillow's
            safety limit.
        OSError: The file is damaged or truncated (also ``SyntaxError`` and
            ``ValueError`` from some decoders are raised as ``OSError``).
    """
    from PIL import Image

    with Image.open(path) as image:
        try:
            image.load()
        except (SyntaxError, ValueError) as err:
            raise OSError(str(err)) from err
        return image.size


def exit_unless_files(tool: str, *named: Tuple[PathLike, str]) -> None:
    """End a command-line tool with one line naming the first input that is
    not a file: ``'<tool>: error: <path>: <what> not found'``.

    Args:
        tool (str): The tool's name, first on the line.
        *named (tuple[str | PathLike, str]): ``(path, what)`` pairs, e.g.
            ``(args.checkpoint, 'checkpoint')``.

    Raises:
        SystemExit: A path is not a file.
    """
    for path, what in named:
        if not os.path.isfile(path):
            raise SystemExit(f'{tool}: error: {path}: {what} not found')
