"""FDDB's detection files: what a detector submits, what ``evaluate -d`` reads.

Per image its path as in the fold files (no extension), a detection count N
and N lines ``left_x top_y width height detection_score``::

    2002/08/11/big/img_591
    1
    188 75 154 196 0.999738

The official program reads the images in the order of its image list and
ignores whatever follows the fifth number of a line; :func:`read_fddb_detections`
takes the images in any order and refuses anything but five finite numbers,
so that a damaged file is not scored as a weak detector. Submissions usually
come as one file per fold (``fold-01-out.txt`` ...). The ellipse files of the
annotations are read by :mod:`.fddb_ellipses`.
"""
import math
import re
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

import numpy as np

from ..evaluation.functional.arrays import float_rows
from ..utils.input_files import PathLike, read_text_lines
from ..utils.output_paths import write_atomic
from .annotation_files import read_face_count
from .fddb_ellipses import FddbFormatError

DETECTION_FIELDS = ('left_x', 'top_y', 'width', 'height', 'detection_score')
# A decimal number as C++'s ``>>`` reads it; float() would also take '1_0',
# '١' or 'nan', which are refused with their own messages.
_NUMBER_RE = re.compile(r'[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?')
_NON_FINITE_RE = re.compile(r'[+-]?(?:nan|inf|infinity)', re.IGNORECASE)


class FddbDetections(NamedTuple):
    """The detections of one image in a detection file.

    Attributes:
        path (str): Image path without extension, as in the fold files.
        detections (np.ndarray): shape (D, 5), float64, ``x y w h score``.
        source (str): The detection file (for error messages).
        line (int): 1-based line of the path in ``source``.
    """
    path: str
    detections: np.ndarray
    source: str
    line: int


def _parse_number(token: str) -> Optional[float]:
    """The value of a decimal number token, or None if it is none."""
    return float(token) if _NUMBER_RE.fullmatch(token) else None


def _is_path_line(tokens: List[str]) -> bool:
    return len(tokens) == 1 and _parse_number(tokens[0]) is None


def _parse_detection(path: Path, line_no: int, text: str) -> List[float]:
    """``x y w h score`` of one detection line."""
    tokens = text.split()
    expected = (f'expected {len(DETECTION_FIELDS)} numbers '
                f'({" ".join(DETECTION_FIELDS)})')
    if len(tokens) != len(DETECTION_FIELDS):
        raise FddbFormatError(path, line_no,
                              f'{expected}, got {len(tokens)} fields: {text!r}')
    values = []
    for name, token in zip(DETECTION_FIELDS, tokens):
        value = _parse_number(token)
        if value is None:
            reason = ('is not finite' if _NON_FINITE_RE.fullmatch(token) else
                      'is not a number')
            raise FddbFormatError(path, line_no, f'{name} {token!r} {reason}')
        if not math.isfinite(value):  # e.g. 1e999
            raise FddbFormatError(path, line_no,
                                  f'{name} {token!r} is not finite')
        values.append(value)
    if values[2] < 0 or values[3] < 0:
        raise FddbFormatError(
            path, line_no, f'negative width or height in {text.strip()!r}: '
            'detections are "left_x top_y width height score"')
    return values


def read_fddb_detection_entries(path: PathLike) -> List[FddbDetections]:
    """Parse one detection file, keeping where each image stands.

    Args:
        path (str | PathLike): The detection file.

    Returns:
        list[FddbDetections]: The images in file order.

    Raises:
        FddbFormatError: ``file:line: message`` for a missing file or one
            that is not UTF-8 text, a file without images, a line where an
            image path is expected that is not one word (a detection line
            there means the count above is too small), a missing or
            non-integer count, fewer detection lines than the count, a
            detection line without exactly 5 numbers or with a number that
            is not finite, a negative width or height, an image listed twice.
    """
    path = Path(path)
    lines = read_text_lines(path, FddbFormatError)
    entries: List[FddbDetections] = []
    first_line: Dict[str, int] = {}
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        tokens = text.split()
        if not _is_path_line(tokens):
            hint = ''
            if entries and tokens and all(
                    _parse_number(t) is not None for t in tokens):
                last = entries[-1]
                hint = (f': the count at line {last.line + 1} is smaller than '
                        f'the detections of {last.path}')
            raise FddbFormatError(
                path, i + 1, f'expected an image path (one word), got '
                f'{lines[i]!r}{hint}')
        if text in first_line:
            raise FddbFormatError(
                path, i + 1, f'image {text!r} is listed twice (first at line '
                f'{first_line[text]})')
        first_line[text] = i + 1
        count = read_face_count(lines, path, i + 1, text, FddbFormatError)
        count_line = i = i + 2
        rows = []
        for k in range(count):
            if i >= len(lines):
                raise FddbFormatError(
                    path, len(lines), f'count {count} at line {count_line} but '
                    f'the file ends after {k} detections of {text}')
            if _is_path_line(lines[i].split()):
                raise FddbFormatError(
                    path, i + 1, f'count {count} at line {count_line} but only '
                    f'{k} detections of {text} follow before the next image '
                    'path')
            rows.append(_parse_detection(path, i + 1, lines[i]))
            i += 1
        entries.append(FddbDetections(
            text, np.array(rows, dtype=np.float64).reshape(-1, 5), str(path),
            count_line - 1))
    if not entries:
        raise FddbFormatError(path, None, 'no image in file')
    return entries


def read_fddb_detections(path: PathLike) -> Dict[str, np.ndarray]:
    """Read one detection file.

    Args:
        path (str | PathLike): The detection file.

    Returns:
        dict[str, np.ndarray]: Image path (no extension) to its detections,
        shape (D, 5), float64, ``x y w h score``; in file order.

    Raises:
        FddbFormatError: See :func:`read_fddb_detection_entries`.
    """
    return {e.path: e.detections for e in read_fddb_detection_entries(path)}


def _fmt(value: float) -> str:
    # The shortest text that reads back to the same float64 (so float32
    # values come back exactly too, and scoring the written file reproduces
    # scoring the arrays); C++'s >> reads the exponent form repr() uses
    # below 1e-4 and from 1e16.
    text = repr(float(value))
    return text[:-2] if text.endswith('.0') else text


def _checked_entries(
        entries: Iterable[Tuple[str, np.ndarray]]
) -> List[Tuple[str, np.ndarray]]:
    """The entries as (path, (D, 5) float64), refused where the reader
    would refuse the file."""
    checked: List[Tuple[str, np.ndarray]] = []
    seen = set()
    for name, detections in entries:
        if not isinstance(name, str) or not _is_path_line(name.split()) or (
                name != name.strip()):
            raise ValueError(f'image path {name!r}: expected one word without '
                             'spaces, as in the fold files')
        if name in seen:
            raise ValueError(f'image {name!r} is given twice')
        seen.add(name)
        dets = float_rows(detections, 5, f'detections of {name} (x y w h '
                          'score)')
        if (dets[:, 2:4] < 0).any():
            raise ValueError(f'detections of {name}: negative width or height')
        checked.append((name, dets))
    if not checked:
        raise ValueError('no image to write: a detection file lists every '
                         'image, also those without detections')
    return checked


def write_fddb_detections(path: PathLike,
                          entries: Iterable[Tuple[str, np.ndarray]]) -> None:
    """Write one detection file, all or nothing.

    Args:
        path (str | PathLike): The file; missing folders are created.
        entries (Iterable[tuple[str, np.ndarray]]): Per image its path
            without extension, as in the fold files, and its detections,
            shape (D, 5), ``x y w h score`` (D may be 0: the image is listed
            with count 0, as the official program expects every image).
            Numbers are written with the shortest text that reads back to
            the same float64.

    Raises:
        ValueError: An image path that is not one word, an image given
            twice, no image at all, detections that are not (D, 5), not
            finite or with a negative width or height; nothing is written.
        OutputWriteError: The file cannot be written (see
            :func:`~mmfacerfcn.utils.output_paths.write_atomic`).
    """
    checked = _checked_entries(entries)

    def write(f) -> None:
        for name, dets in checked:
            f.write(f'{name}\n{len(dets)}\n')
            for row in dets:
                f.write(' '.join(_fmt(v) for v in row) + '\n')

    write_atomic(path, write)
