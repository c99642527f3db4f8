"""What the WIDER FACE and FDDB annotation lists share.

Both list per image a path, a face count and that many face lines; both name
images relative to an image folder they must not leave. The error class, the
count line, the path check and the image size reader live here, once.
"""
import re
from pathlib import Path
from typing import List, Optional, Tuple, Type

from PIL import Image

from ..utils.input_files import InputFileError, PathLike, load_image_fully
from ..utils.output_paths import escape_reason

# A face count is ASCII digits: int() and str.isdigit() would also take '²',
# '٣' or '1_0'.
_COUNT_RE = re.compile(r'[0-9]+')


class AnnotationFormatError(InputFileError):
    """An annotation file (or an image it names) that does not follow its
    format; the message is ``file:line: message`` (see
    :class:`~mmfacerfcn.utils.input_files.InputFileError`)."""


def check_image_path_inside(path: Path, line_no: int, name: str, folder: str,
                            error_cls: Type[AnnotationFormatError]) -> None:
    """Refuse an image path of a list file that would leave the image folder.

    Args:
        path (Path): The list file, for the error.
        line_no (int): 1-based line of ``name`` in ``path``.
        name (str): The image path as written (relative to ``folder``).
        folder (str): The image folder it is joined to, for the error.
        error_cls (type): :class:`AnnotationFormatError` subclass to raise.

    Raises:
        AnnotationFormatError: ``file:line: image path ... is an absolute
            path`` (or ``has a '..' component``).
    """
    reason = escape_reason(name)
    if reason is not None:
        raise error_cls(
            path, line_no, f'image path {name!r} {reason}: images must lie '
            f'inside {folder}')


def read_face_count(lines: List[str], path: Path, path_line: int, name: str,
                    error_cls: Type[AnnotationFormatError]) -> int:
    """The face count on the line after an image's path line.

    Args:
        lines (list[str]): The file's lines.
        path (Path): The file, for error messages.
        path_line (int): 1-based line number of the image path.
        name (str): The image, for error messages.
        error_cls (type): :class:`AnnotationFormatError` subclass to raise.

    Returns:
        int: The count, read from line ``path_line + 1``.

    Raises:
        AnnotationFormatError: The file ends before the count, or the count
            is not a non-negative integer in ASCII digits.
    """
    count_line = path_line + 1
    if count_line > len(lines):
        raise error_cls(path, path_line,
                        f'file ends before the face count of {name}')
    count_text = lines[count_line - 1].strip()
    if not _COUNT_RE.fullmatch(count_text):
        raise error_cls(
            path, count_line,
            f'expected a face count (non-negative integer), got {count_text!r}')
    return int(count_text)


def read_image_size(
        image_path: PathLike,
        source: PathLike,
        line: Optional[int],
        error_cls: Type[AnnotationFormatError] = AnnotationFormatError,
) -> Tuple[int, int]:
    """Decode an image completely and return its ``(width, height)``.

    The whole image is decoded, not only its header, so that a truncated or
    damaged file is refused here rather than met in training (see
    :func:`~mmfacerfcn.utils.input_files.load_image_fully`).

    Args:
        image_path (str | PathLike): The image file.
        source (str | PathLike): The list file naming it (for the error).
        line (int, optional): Its line in ``source`` (for the error).
        error_cls (type): :class:`AnnotationFormatError` subclass to raise.

    Returns:
        tuple[int, int]: ``(width, height)``.

    Raises:
        AnnotationFormatError: The image is missing, not an image, or
            damaged (e.g. truncated).
    """
    try:
        return load_image_fully(image_path)
    except FileNotFoundError:
        raise error_cls(source, line,
                        f'image not found: {image_path}') from None
    except (OSError, Image.DecompressionBombError) as err:
        raise error_cls(source, line,
                        f'cannot read image {image_path}: {err}') from None
