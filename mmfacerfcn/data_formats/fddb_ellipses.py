"""FDDB's ellipse lists, ``FDDB-folds/FDDB-fold-XX-ellipseList.txt``.

A fold file lists per image its path without extension (the image is
``originalPics/<path>.jpg``), a face count and one line per face::

    major_axis_radius minor_axis_radius angle center_x center_y 1

with the angle in radians between the major axis and the x axis. The COCO JSON
is built by :mod:`mmfacerfcn.data_formats.fddb_coco`.
"""
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..utils.input_files import PathLike, read_text_lines
from .annotation_files import (
    AnnotationFormatError,
    check_image_path_inside,
    read_face_count,
)

FOLDS_DIR = 'FDDB-folds'
IMAGES_DIR = 'originalPics'
FOLD_FILE = 'FDDB-fold-{:02d}-ellipseList.txt'
_FOLD_RE = re.compile(r'^FDDB-fold-(\d+)-ellipseList\.txt$')
ELLIPSE_FIELDS = ('major_axis_radius', 'minor_axis_radius', 'angle', 'center_x',
                  'center_y', '1')
# Larger radii or centres (in pixels) than any photograph has are a damaged
# file, not a face; the bound also keeps the box arithmetic finite.
MAX_ELLIPSE_PIXELS = 1e6


class FddbFormatError(AnnotationFormatError):
    """An FDDB fold file or image that cannot be used (``file:line: message``)."""


@dataclass
class FddbImage:
    """One image entry of a fold file.

    Attributes:
        path (str): Image path without extension, e.g. ``2002/08/11/big/img_591``.
        fold (int): Fold id (1..10).
        source (str): The fold file (for error messages).
        line (int): 1-based line of the path in ``source``.
        ellipses (list[tuple]): ``(ra, rb, theta, cx, cy)`` per face.
    """

    path: str
    fold: int
    source: str
    line: int
    ellipses: List[Tuple[float, float, float, float, float]] = field(
        default_factory=list)


def parse_fddb_fold(fold_file: PathLike, fold: int) -> List[FddbImage]:
    """Parse one ``FDDB-fold-XX-ellipseList.txt``.

    Args:
        fold_file (str | PathLike): The fold file.
        fold (int): Its fold id, recorded on every image.

    Returns:
        list[FddbImage]: The images in file order.

    Raises:
        FddbFormatError: With file and line: a missing file, an empty path,
            an absolute path or one with a ``..`` component (it would leave
            ``originalPics/``), a count that is not a non-negative integer or
            that does not match the lines that follow, an ellipse line without
            6 numbers or with a radius or centre beyond
            ``MAX_ELLIPSE_PIXELS``, a file that is not UTF-8 text.
    """
    path = Path(fold_file)
    lines = read_text_lines(path, FddbFormatError)
    images: List[FddbImage] = []
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if not text or _is_ellipse_line(text):
            hint = ''
            if images and text:
                hint = (f': the count at line {images[-1].line + 1} is smaller '
                        f'than the ellipses of {images[-1].path}')
            raise FddbFormatError(path, i + 1,
                                  f'expected an image path, got {lines[i]!r}{hint}')
        check_image_path_inside(path, i + 1, text, IMAGES_DIR, FddbFormatError)
        image = FddbImage(path=text, fold=fold, source=str(path), line=i + 1)
        count = read_face_count(lines, path, i + 1, text, FddbFormatError)
        count_line = i = i + 2
        for k in range(count):
            if i >= len(lines):
                raise FddbFormatError(
                    path, len(lines), f'count {count} at line {count_line} but '
                    f'the file ends after {k} ellipses of {text}')
            tokens = lines[i].split()
            if len(tokens) == 1 and not _is_number(tokens[0]):
                raise FddbFormatError(
                    path, i + 1, f'count {count} at line {count_line} but only '
                    f'{k} ellipses of {text} follow before the next image path')
            image.ellipses.append(_parse_ellipse(path, i + 1, lines[i]))
            i += 1
        images.append(image)
    if not images:
        raise FddbFormatError(path, None, 'no image in file')
    return images


def _is_number(token: str) -> bool:
    if not token.isascii():  # float() also takes '１' or '٣'
        return False
    try:
        float(token)
    except ValueError:
        return False
    return True


def _is_ellipse_line(text: str) -> bool:
    tokens = text.split()
    return len(tokens) == len(ELLIPSE_FIELDS) and all(map(_is_number, tokens))


def _parse_ellipse(path: Path, line_no: int,
                   text: str) -> Tuple[float, float, float, float, float]:
    """Parse ``ra rb theta cx cy 1`` into the five ellipse numbers."""
    tokens = text.split()
    expected = f'expected {len(ELLIPSE_FIELDS)} numbers ({" ".join(ELLIPSE_FIELDS)})'
    if len(tokens) != len(ELLIPSE_FIELDS):
        raise FddbFormatError(path, line_no,
                              f'{expected}, got {len(tokens)} fields: {text!r}')
    values = []
    for token in tokens:
        value = float(token) if _is_number(token) else None
        if value is None or not math.isfinite(value):
            raise FddbFormatError(path, line_no, f'{expected}, got {token!r}')
        values.append(value)
    for name, value in zip(ELLIPSE_FIELDS, values[:5]):
        if name != 'angle' and abs(value) > MAX_ELLIPSE_PIXELS:
            raise FddbFormatError(
                path, line_no, f'{name} {value:g} is beyond '
                f'{MAX_ELLIPSE_PIXELS:g} pixels: no photograph is that large')
    return tuple(values[:5])


def fold_files(root: PathLike,
               folds: Optional[Sequence[int]] = None) -> Dict[int, Path]:
    """Locate the ellipse files of the requested folds.

    Args:
        root (str | PathLike): ``FDDB_ROOT``.
        folds (Sequence[int], optional): Fold ids; all files found when None.

    Returns:
        dict[int, Path]: Fold id to its ellipse file, in fold order.

    Raises:
        FddbFormatError: A requested fold is missing, or none is found.
    """
    folds_dir = Path(root) / FOLDS_DIR
    if folds is None:
        found = {}
        if folds_dir.is_dir():
            for path in folds_dir.iterdir():
                match = _FOLD_RE.match(path.name)
                if match:
                    found[int(match.group(1))] = path
        if not found:
            raise FddbFormatError(folds_dir, None,
                                  'no FDDB-fold-XX-ellipseList.txt found')
        return dict(sorted(found.items()))
    files = {fold: folds_dir / FOLD_FILE.format(fold) for fold in folds}
    for path in files.values():
        if not path.is_file():
            raise FddbFormatError(path, None, 'file not found')
    return files


def read_fddb(root: PathLike,
              folds: Optional[Sequence[int]] = None) -> List[FddbImage]:
    """Parse the fold files of ``FDDB_ROOT``.

    Args:
        root (str | PathLike): ``FDDB_ROOT`` with ``FDDB-folds/``.
        folds (Sequence[int], optional): Fold ids to read; all when None.

    Returns:
        list[FddbImage]: The images of the folds, in fold and file order.

    Raises:
        FddbFormatError: A missing or malformed fold file, or an image
            listed twice.
    """
    images: List[FddbImage] = []
    seen: Dict[str, FddbImage] = {}
    for fold, path in fold_files(root, folds).items():
        for image in parse_fddb_fold(path, fold):
            if image.path in seen:
                first = seen[image.path]
                raise FddbFormatError(
                    image.source, image.line, f'duplicate image {image.path!r} '
                    f'(first at {first.source}:{first.line})')
            seen[image.path] = image
            images.append(image)
    return images
