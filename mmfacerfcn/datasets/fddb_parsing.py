"""Read FDDB's ellipse annotations and build a COCO JSON.

FDDB (``FDDB_ROOT/FDDB-folds/FDDB-fold-XX-ellipseList.txt`` and the images in
``FDDB_ROOT/originalPics/<path>.jpg``) lists per image its path without
extension, a face count and one line per face::

    major_axis_radius minor_axis_radius angle center_x center_y 1

with the angle in radians between the major axis and the x axis. Each face
becomes a COCO annotation with ``"ellipse": [ra, rb, theta, cx, cy]`` and, as
``"bbox"``, the ellipse's tight axis-aligned box clipped to the image (flags and
``iscrowd`` as in ``docs/wider_face_coco_format.md``); each image records its
``"fold"``.
"""
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine

from ..utils.input_files import read_text_lines
from .wider_face_parsing import (
    FACE_CATEGORY,
    AnnotationFormatError,
    PathLike,
    check_image_path_inside,
    clip_box,
    read_face_count,
    read_image_size,
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


def ellipse_to_bbox(ra: float, rb: float, theta: float, cx: float,
                    cy: float) -> Tuple[float, float, float, float]:
    """The tight axis-aligned box of a rotated ellipse.

    For semi-axes ``ra`` (at angle ``theta`` to the x axis) and ``rb``, the
    extent is exact: half-width ``sqrt(ra² cos²θ + rb² sin²θ)`` and half-height
    ``sqrt(ra² sin²θ + rb² cos²θ)``.

    Args:
        ra (float): Major-axis radius.
        rb (float): Minor-axis radius.
        theta (float): Angle of the major axis in radians.
        cx (float): Centre x.
        cy (float): Centre y.

    Returns:
        tuple[float, float, float, float]: ``(x, y, w, h)``.
    """
    cos, sin = math.cos(theta), math.sin(theta)
    half_w = math.hypot(ra * cos, rb * sin)
    half_h = math.hypot(ra * sin, rb * cos)
    return cx - half_w, cy - half_h, 2 * half_w, 2 * half_h


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


def convert_fddb(root: PathLike,
                 folds: Optional[Sequence[int]] = None,
                 progress: bool = False) -> dict:
    """Convert FDDB folds to a COCO dict.

    Args:
        root (str | PathLike): ``FDDB_ROOT`` with ``FDDB-folds/`` and
            ``originalPics/``.
        folds (Sequence[int], optional): Fold ids to convert; all when None.
        progress (bool): Show mmengine's progress bar while reading images.

    Returns:
        dict: ``info`` (with ``summary``), ``images`` (with ``fold``),
        ``annotations`` (with ``ellipse``, ``bbox``, ``flags``, ``iscrowd``)
        and ``categories``.

    Raises:
        FddbFormatError: Malformed or missing fold files or images, or an
            image listed twice.
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
    image_root = Path(root) / IMAGES_DIR
    coco_images, annotations = [], []
    flagged = {'zero_size': 0, 'out_of_image': 0}
    num_ignored = 0
    entries = mmengine.track_iter_progress(images) if progress else images
    for image_id, image in enumerate(entries, start=1):
        file_name = f'{image.path}.jpg'
        try:
            width, height = read_image_size(image_root / file_name, image.source,
                                            image.line)
        except AnnotationFormatError as err:
            raise FddbFormatError(err.file, err.line, err.message) from None
        coco_images.append({
            'id': image_id,
            'file_name': file_name,
            'width': width,
            'height': height,
            'fold': image.fold,
        })
        for ellipse in image.ellipses:
            clipped, flags, empty = clip_box(ellipse_to_bbox(*ellipse), width,
                                             height)
            for flag in flags:
                flagged[flag] += 1
            iscrowd = int('zero_size' in flags or empty)
            num_ignored += iscrowd
            annotations.append({
                'id': len(annotations) + 1,
                'image_id': image_id,
                'category_id': FACE_CATEGORY['id'],
                'ellipse': list(ellipse),
                'bbox': clipped,
                'area': clipped[2] * clipped[3],
                'iscrowd': iscrowd,
                'flags': flags,
            })
    face_lines = sum(len(image.ellipses) for image in images)
    if face_lines != len(annotations):
        raise RuntimeError(f'{face_lines} ellipse lines read but '
                           f'{len(annotations)} annotations written')
    summary = {
        'images': len(coco_images),
        'annotated': True,
        'faces': len(annotations),
        'empty_images': sum(not image.ellipses for image in images),
        'face_lines_read': face_lines,
        'annotations_written': len(annotations),
        'flagged': flagged,
        'ignored_iscrowd': num_ignored,
        'folds': sorted({image.fold for image in images}),
    }
    return {
        'info': {'description': 'FDDB in COCO format (mmfacerfcn)',
                 'summary': summary},
        'images': coco_images,
        'annotations': annotations,
        'categories': [dict(FACE_CATEGORY)],
    }
