"""Reader and writer of the official WIDER FACE submission format.

One text file per image, ``<root>/<event>/<name>.txt``::

    <name>                 image name without extension (not read back)
    <N>                    number of boxes
    x y w h score          N lines, in any order

Boxes are ``x y w h`` with ``w = x2 - x1`` and ``h = y2 - y1`` of the corner
boxes MMDetection predicts: the WIDER files and our COCO JSON use the same
``x2 = x + w`` convention, and the evaluation adds the protocol's +1 pixel itself
(see :mod:`.wider_face_eval`), so no pixel is added here.
"""
import math
import os
import os.path as osp
from typing import Dict, Iterable, List, Mapping, Optional

import numpy as np

from ...utils.input_files import InputFileError, read_text
from ...utils.output_paths import PathEscapesFolderError, join_inside


class SubmissionFormatError(InputFileError):
    """A submission file breaks the format; the message is ``file:line:
    reason`` (see :class:`~mmfacerfcn.utils.input_files.InputFileError`)."""


def bbox_xyxy_to_wider_xywh(bboxes: np.ndarray) -> np.ndarray:
    """Corner boxes (MMDetection) to WIDER ``x y w h``.

    Args:
        bboxes (np.ndarray): shape (N, 4), ``x1 y1 x2 y2``.

    Returns:
        np.ndarray: shape (N, 4), float64, ``x1 y1 (x2 - x1) (y2 - y1)``.
    """
    boxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 4).copy()
    boxes[:, 2:] -= boxes[:, :2]
    return boxes


def _submission_path(root: str, key: str) -> str:
    """``<root>/<event>/<name>.txt``, refused when the key would leave root."""
    try:
        return join_inside(root, key + '.txt')
    except PathEscapesFolderError as err:
        raise PathEscapesFolderError(
            f'submission file of image key {key!r}: {err}') from None


def _fmt(value: float) -> str:
    # Shortest text that reads back to the same float64: the CLI on written
    # files reproduces the in-memory evaluation exactly.
    return np.format_float_positional(value, unique=True, trim='-')


def format_submission(name: str, pred: np.ndarray) -> str:
    """Text of one submission file.

    Args:
        name (str): image name without extension (first line).
        pred (np.ndarray): shape (N, 5), ``x y w h score``.

    Returns:
        str: the file content, ending with a newline.
    """
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, 5)
    lines = [name, str(len(pred))]
    lines += [' '.join(_fmt(v) for v in row) for row in pred]
    return '\n'.join(lines) + '\n'


def write_submission_dir(out_dir: str,
                         preds: Mapping[str, np.ndarray]) -> None:
    """Write ``<out_dir>/<event>/<name>.txt`` for every image.

    Every file name is checked before the first one is written, so a key
    that would leave ``out_dir`` writes nothing at all.

    Args:
        out_dir (str): root folder, created if needed.
        preds (Mapping[str, np.ndarray]): image key ``"<event>/<name>"`` to an
            array of shape (N, 5), ``x y w h score``; N may be 0 (the file is
            still written, with count 0).

    Raises:
        PathEscapesFolderError: a key is absolute or has a ``..`` component
            (from an ``img_path`` or an annotation ``file_name``), naming it.
    """
    paths = {key: _submission_path(out_dir, key) for key in preds}
    for key, pred in preds.items():
        path = paths[key]
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(format_submission(key.split('/')[-1], pred))


def _numbers(text: str, path: str, line: int) -> list:
    try:
        values = [float(v) for v in text.replace(',', ' ').split()]
    except ValueError:
        raise SubmissionFormatError(
            path, line, f'expected numbers, got {text.strip()!r}') from None
    if not all(math.isfinite(v) for v in values):
        raise SubmissionFormatError(path, line, f'NaN or inf in {text!r}')
    return values


def parse_submission(text: str, path: str = '<string>') -> np.ndarray:
    """Parse the content of one submission file.

    Blank lines after the count are skipped; values may be separated by
    spaces, tabs or commas; columns after the fifth are ignored (as the
    official reader does).

    Args:
        text (str): file content.
        path (str): name used in error messages.

    Returns:
        np.ndarray: shape (N, 5), float64, ``x y w h score`` in file order.

    Raises:
        SubmissionFormatError: missing or non-integer count, a box line with
            fewer than five numbers or with a negative width or height
            (corners ``x1 y1 x2 y2`` where ``x y w h`` belongs), fewer or
            more box lines than the count.
    """
    lines = text.splitlines()
    if len(lines) < 2:
        raise SubmissionFormatError(path, len(lines) + 1,
                                    'expected the image name, then the count')
    count = _numbers(lines[1], path, 2)
    if len(count) != 1 or count[0] < 0 or not float(count[0]).is_integer():
        raise SubmissionFormatError(
            path, 2, f'expected a box count, got {lines[1].strip()!r}')
    num = int(count[0])
    rows = []
    for lineno, line in enumerate(lines[2:], start=3):
        if not line.strip():
            continue
        if len(rows) == num:
            raise SubmissionFormatError(
                path, lineno, f'more box lines than the count {num}')
        values = _numbers(line, path, lineno)
        if len(values) < 5:
            raise SubmissionFormatError(
                path, lineno, f'expected "x y w h score", got {line.strip()!r}')
        if values[2] < 0 or values[3] < 0:
            raise SubmissionFormatError(
                path, lineno, f'negative width or height in {line.strip()!r}: '
                'boxes are "x y w h score" with w = x2 - x1, h = y2 - y1')
        rows.append(values[:5])
    if len(rows) < num:
        raise SubmissionFormatError(
            path, len(lines) + 1,
            f'count says {num} boxes, the file has {len(rows)}')
    return np.array(rows, dtype=np.float64).reshape(-1, 5)


def read_submission(path: str) -> np.ndarray:
    """Read one submission file.

    Args:
        path (str): file path.

    Returns:
        np.ndarray: shape (N, 5), see :func:`parse_submission`.

    Raises:
        SubmissionFormatError: the file cannot be read, is not UTF-8 text
            (naming the line), or breaks the format.
    """
    return parse_submission(read_text(path, SubmissionFormatError), path)


def read_submission_dir(
        pred_dir: str,
        keys: Iterable[str]) -> Dict[str, Optional[np.ndarray]]:
    """Read ``<pred_dir>/<event>/<name>.txt`` for the given images.

    Args:
        pred_dir (str): root folder of the submission.
        keys (Iterable[str]): image keys ``"<event>/<name>"`` to read.

    Returns:
        Dict[str, Optional[np.ndarray]]: key to an array of shape (N, 5), or
        None where the file does not exist (no prediction for that image).

    Raises:
        SubmissionFormatError: a file is malformed.
        PathEscapesFolderError: a key would name a file outside ``pred_dir``.
    """
    preds = {}
    for key in keys:
        path = _submission_path(pred_dir, key)
        preds[key] = read_submission(path) if osp.isfile(path) else None
    return preds


def unknown_submission_files(pred_dir: str, keys: Iterable[str]) -> List[str]:
    """Files under ``pred_dir`` that are no ``<event>/<name>.txt`` of ``keys``.

    A prediction for an image that is not in the ground truth (a misspelt
    event, the test split, a file in the wrong folder) would otherwise be left
    out of the evaluation without a word. Hidden files (``.DS_Store``) are no
    predictions and are not listed.

    Args:
        pred_dir (str): root folder of the submission.
        keys (Iterable[str]): image keys ``"<event>/<name>"`` of the ground
            truth.

    Returns:
        List[str]: the other files' paths relative to ``pred_dir``, with
        ``/`` separators, sorted.
    """
    expected = {key + '.txt' for key in keys}
    unknown = []
    for folder, dirs, files in os.walk(pred_dir):
        dirs[:] = [d for d in dirs if not d.startswith('.')]
        rel = osp.relpath(folder, pred_dir).replace(os.sep, '/')
        for name in files:
            path = name if rel == '.' else f'{rel}/{name}'
            if not name.startswith('.') and path not in expected:
                unknown.append(path)
    return sorted(unknown)
