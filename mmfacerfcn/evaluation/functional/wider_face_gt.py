"""WIDER FACE val ground truth from the official ``.mat`` files or our COCO JSON.

Both readers return the same structure, ``Dict[str, WiderFaceImageGT]`` keyed by
``"<event>/<name>"`` (no ``.jpg``, as the official eval tool keys images; see
:func:`wider_image_key`), in gt-file order, with the raw (unclipped) boxes the
official evaluation uses. The formats are specified in
``docs/wider_face_coco_format.md``.

:func:`parse_wider_gt_mat` is the one reader of the ``.mat`` files: the
evaluation CLI, ``WiderFaceMetric`` and the WIDER converter (its face counts and
Easy/Medium/Hard flags) all go through it; paths with ``.jpg`` become keys at
the edges, with :func:`wider_image_key`.
"""
import json
import os.path as osp
import posixpath
from typing import (
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Sequence,
    Tuple,
    Type,
    TypeVar,
)

import numpy as np

from ...utils.input_files import InputFileError, load_mat
from .wider_face_eval import WIDER_FACE_SUBSETS, WiderFaceImageGT

_T = TypeVar('_T')

#: Where the official download keeps its val ground truth, below WIDER_ROOT.
WIDER_FACE_GT_DIR = 'eval_tools/ground_truth'
#: File names of the official ground truth (in :data:`WIDER_FACE_GT_DIR`).
WIDER_FACE_VAL_MAT = 'wider_face_val.mat'
WIDER_FACE_SUBSET_MATS = {s: f'wider_{s}_val.mat' for s in WIDER_FACE_SUBSETS}


def wider_image_key(path: str) -> str:
    """``"<event>/<name>"`` of an image or submission file path.

    Args:
        path (str): any path ending in ``<event>/<name>[.ext]``, with ``/`` or
            ``\\`` separators.

    Returns:
        str: the last two path components without the extension.
    """
    parts = path.replace('\\', '/').rstrip('/').split('/')
    if len(parts) < 2:
        raise ValueError(f'{path!r} has no "<event>/<name>" components')
    return posixpath.join(parts[-2], posixpath.splitext(parts[-1])[0])


def _cell(value: Any) -> List[Any]:
    """A MATLAB cell array (n x 1 or 1 x n) as a flat list."""
    return list(np.asarray(value, dtype=object).reshape(-1))


def _mat_str(value: Any) -> str:
    """A MATLAB char array as loaded by scipy (often wrapped in arrays)."""
    while isinstance(value, np.ndarray):
        if value.size == 0:
            return ''
        value = value.reshape(-1)[0]
    return str(value)


def _mat_names(mat: Mapping[str, Any]) -> List[List[str]]:
    """``[[event/name, ...] per event]`` from a .mat's event_list and file_list."""
    events = [_mat_str(e) for e in _cell(mat['event_list'])]
    files = _cell(mat['file_list'])
    if len(files) != len(events):
        raise ValueError(f'file_list has {len(files)} events, event_list '
                         f'{len(events)}')
    return [[f'{event}/{_mat_str(n)}' for n in _cell(names)]
            for event, names in zip(events, files)]


def _per_image(mat: Mapping[str, Any], variable: str,
               names: List[List[str]]) -> Iterator[Tuple[str, Any]]:
    """``(image key, cell)`` of a per-event, per-image cell array such as
    ``face_bbx_list``, its event and image counts checked against ``names``
    (from :func:`_mat_names`)."""
    events = _cell(mat[variable])
    if len(events) != len(names):
        raise ValueError(f'{variable} has {len(events)} events, event_list '
                         f'{len(names)}')
    for event_names, cells in zip(names, events):
        cells = _cell(cells)
        if len(cells) != len(event_names):
            raise ValueError(f'{variable} and file_list disagree on the '
                             f'number of images of {event_names[:1]}')
        yield from zip(event_names, cells)


def _val_boxes(val_mat: Mapping[str, Any]) -> Dict[str, np.ndarray]:
    """Image key to its (N, 4) ``face_bbx_list`` boxes, in file order."""
    boxes = {}
    for key, bbx in _per_image(val_mat, 'face_bbx_list', _mat_names(val_mat)):
        if key in boxes:
            raise ValueError(f'file_list lists {key} twice')
        boxes[key] = np.asarray(bbx, dtype=np.float64).reshape(-1, 4)
    return boxes


def _subset_masks(subset_mat: Mapping[str, Any], subset: str,
                  boxes: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Image key to the bool mask of its faces in one subset's gt_list."""
    names = _mat_names(subset_mat)
    if [key for event_names in names for key in event_names] != list(boxes):
        raise ValueError(f'{subset} gt_list lists other images than '
                         f'{WIDER_FACE_VAL_MAT}')
    masks = {}
    for key, keep in _per_image(subset_mat, 'gt_list', names):
        idx = np.asarray(keep, dtype=np.float64).reshape(-1)
        num = len(boxes[key])
        if np.any((idx < 1) | (idx > num) | (idx != np.round(idx))):
            raise ValueError(f'{subset} gt_list of {key} has indices '
                             f'{idx.tolist()} outside 1..{num}')
        mask = np.zeros(num, dtype=bool)
        mask[idx.astype(np.int64) - 1] = True
        masks[key] = mask
    return masks


def parse_wider_gt_mat(
        val_mat: Mapping[str, Any],
        subset_mats: Mapping[str, Mapping[str, Any]],
) -> Dict[str, WiderFaceImageGT]:
    """Ground truth from the loaded official ``.mat`` files.

    The one reader of this format: the evaluation CLI, the metric and the
    converter all read the ``.mat`` files through it.

    Args:
        val_mat (Mapping[str, Any]): ``scipy.io.loadmat`` of
            ``wider_face_val.mat`` (event_list, file_list, face_bbx_list).
        subset_mats (Mapping[str, Mapping[str, Any]]): subset name to the
            ``loadmat`` of ``wider_<subset>_val.mat`` (gt_list with 1-based
            face indices, and the same event_list and file_list).

    Returns:
        Dict[str, WiderFaceImageGT]: image key ``"<event>/<name>"`` (see
        :func:`wider_image_key`) to boxes of shape (N, 4) and one bool mask
        of shape (N,) per subset, in file order.

    Raises:
        ValueError: the files disagree on the images, or a gt_list index is
            outside its image's faces.
    """
    boxes = _val_boxes(val_mat)
    masks = {key: {} for key in boxes}
    for subset, mat in subset_mats.items():
        for key, mask in _subset_masks(mat, subset, boxes).items():
            masks[key][subset] = mask
    return {key: WiderFaceImageGT(boxes[key], masks[key]) for key in boxes}


def _read_mat(path: str, variables: Sequence[str], parse: Callable[[dict], _T],
              error_cls: Type[InputFileError]) -> _T:
    """Load one .mat file, check its variables and parse it, naming the file
    in every error."""
    mat = load_mat(path, error_cls=error_cls)
    missing = [name for name in variables if name not in mat]
    if missing:
        raise error_cls(path, None, f'missing variable(s) {missing}')
    try:
        return parse(mat)
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise error_cls(
            path, None, 'not the official WIDER FACE ground truth: '
            f'{type(err).__name__}: {err}') from None


def load_wider_gt_mat(
        gt_dir: str,
        error_cls: Type[InputFileError] = InputFileError,
) -> Dict[str, WiderFaceImageGT]:
    """Read the four official ``.mat`` files from a folder.

    Args:
        gt_dir (str): folder holding ``wider_face_val.mat`` and
            ``wider_{easy,medium,hard}_val.mat``.
        error_cls (type): :class:`InputFileError` subclass to raise (the
            converter raises its own format error).

    Returns:
        Dict[str, WiderFaceImageGT]: see :func:`parse_wider_gt_mat`.

    Raises:
        InputFileError: naming the file: one of the four is missing,
            truncated or no MATLAB file, lacks a variable, or does not hold
            the official structure (e.g. a gt_list index outside its
            image's faces, or other images than ``wider_face_val.mat``).
    """
    boxes = _read_mat(osp.join(gt_dir, WIDER_FACE_VAL_MAT),
                      ('event_list', 'file_list', 'face_bbx_list'),
                      _val_boxes, error_cls)
    masks = {key: {} for key in boxes}
    for subset, name in WIDER_FACE_SUBSET_MATS.items():
        subset_masks = _read_mat(
            osp.join(gt_dir, name), ('event_list', 'file_list', 'gt_list'),
            lambda mat, subset=subset: _subset_masks(mat, subset, boxes),
            error_cls)
        for key, mask in subset_masks.items():
            masks[key][subset] = mask
    return {key: WiderFaceImageGT(boxes[key], masks[key]) for key in boxes}


def coco_image_keys(coco: Mapping[str, Any]) -> Dict[int, str]:
    """Image id to ``"<event>/<name>"`` for a COCO JSON of any split.

    Args:
        coco (Mapping[str, Any]): the loaded JSON.

    Returns:
        Dict[int, str]: image id to image key, in the JSON's image order.
    """
    keys = {img['id']: wider_image_key(img['file_name'])
            for img in coco['images']}
    if len(set(keys.values())) != len(keys):
        raise ValueError('the COCO JSON lists an image file twice')
    return keys


def parse_wider_gt_coco(
        coco: Mapping[str, Any]) -> Dict[str, WiderFaceImageGT]:
    """Ground truth from the val COCO JSON written by our converter.

    Faces are ordered by ``face_index``, boxes are the raw ``wider_bbox`` and
    subset masks come from each annotation's ``subsets`` flags.

    Args:
        coco (Mapping[str, Any]): the loaded JSON.

    Returns:
        Dict[str, WiderFaceImageGT]: see :func:`parse_wider_gt_mat`.

    Raises:
        ValueError: an annotation lacks ``face_index``, ``wider_bbox`` or
            ``subsets`` (not a val JSON from the converter) or names an
            unknown image, or an image's face indices are not 0 .. N-1.
    """
    keys = coco_image_keys(coco)
    faces = {img_id: [] for img_id in keys}
    for ann in coco.get('annotations', []):
        missing = [f for f in ('face_index', 'wider_bbox', 'subsets')
                   if f not in ann]
        if missing:
            raise ValueError(
                f'annotation {ann.get("id")} has no {", ".join(missing)}: the '
                'evaluation needs the val JSON written by '
                'tools/dataset_converters/wider_face_to_coco.py')
        if ann['image_id'] not in faces:
            raise ValueError(f'annotation {ann.get("id")} refers to image '
                             f'{ann["image_id"]}, which is not in "images"')
        faces[ann['image_id']].append(ann)

    gt = {}
    for img_id, key in keys.items():
        anns = sorted(faces[img_id], key=lambda a: a['face_index'])
        order = [a['face_index'] for a in anns]
        if order != list(range(len(anns))):
            raise ValueError(f'face_index of {key} is {order}, expected '
                             f'0..{len(anns) - 1}')
        boxes = np.array([a['wider_bbox'] for a in anns],
                         dtype=np.float64).reshape(-1, 4)
        masks = {s: np.array([bool(a['subsets'][s]) for a in anns], dtype=bool)
                 for s in WIDER_FACE_SUBSETS}
        gt[key] = WiderFaceImageGT(boxes, masks)
    return gt


def load_wider_gt_coco(ann_file: str) -> Dict[str, WiderFaceImageGT]:
    """Read the val COCO JSON from a local path.

    Args:
        ann_file (str): path of the JSON.

    Returns:
        Dict[str, WiderFaceImageGT]: see :func:`parse_wider_gt_coco`.
    """
    with open(ann_file, encoding='utf-8') as f:
        return parse_wider_gt_coco(json.load(f))
