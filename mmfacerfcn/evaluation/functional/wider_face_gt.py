"""WIDER FACE val ground truth from the official ``.mat`` files or our COCO JSON.

Both readers return the same structure, ``Dict[str, WiderFaceImageGT]`` keyed by
``"<event>/<name>"`` (no ``.jpg``), in gt-file order, with the raw (unclipped)
boxes the official evaluation uses. The formats are specified in
``docs/wider_face_coco_format.md``.
"""
import json
import os.path as osp
import posixpath
from typing import Any, Dict, List, Mapping

import numpy as np

from ...utils.input_files import InputFileError, load_mat
from .wider_face_eval import WIDER_FACE_SUBSETS, WiderFaceImageGT

#: File names of the official ground truth (``eval_tools/ground_truth``).
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


def parse_wider_gt_mat(
        val_mat: Mapping[str, Any],
        subset_mats: Mapping[str, Mapping[str, Any]],
) -> Dict[str, WiderFaceImageGT]:
    """Ground truth from the loaded official ``.mat`` files.

    Args:
        val_mat (Mapping[str, Any]): ``scipy.io.loadmat`` of
            ``wider_face_val.mat`` (event_list, file_list, face_bbx_list).
        subset_mats (Mapping[str, Mapping[str, Any]]): subset name to the
            ``loadmat`` of ``wider_<subset>_val.mat`` (gt_list with 1-based
            face indices, and the same event_list and file_list).

    Returns:
        Dict[str, WiderFaceImageGT]: image key to boxes of shape (N, 4) and
        one bool mask of shape (N,) per subset.

    Raises:
        ValueError: the files disagree on the images, or a gt_list index is
            outside its image's faces.
    """
    names = _mat_names(val_mat)
    bbx_events = _cell(val_mat['face_bbx_list'])
    boxes = {}
    for event_names, event_bbx in zip(names, bbx_events):
        event_bbx = _cell(event_bbx)
        if len(event_bbx) != len(event_names):
            raise ValueError(f'face_bbx_list and file_list disagree on the '
                             f'number of images of {event_names[:1]}')
        for key, bbx in zip(event_names, event_bbx):
            boxes[key] = np.asarray(bbx, dtype=np.float64).reshape(-1, 4)

    masks = {key: {} for key in boxes}
    for subset, mat in subset_mats.items():
        if _mat_names(mat) != names:
            raise ValueError(f'{subset} gt_list lists other images than '
                             f'{WIDER_FACE_VAL_MAT}')
        for event_names, event_gt in zip(names, _cell(mat['gt_list'])):
            for key, keep in zip(event_names, _cell(event_gt)):
                idx = np.asarray(keep, dtype=np.float64).reshape(-1)
                num = len(boxes[key])
                if np.any((idx < 1) | (idx > num) | (idx != np.round(idx))):
                    raise ValueError(f'{subset} gt_list of {key} has indices '
                                     f'{idx.tolist()} outside 1..{num}')
                mask = np.zeros(num, dtype=bool)
                mask[idx.astype(np.int64) - 1] = True
                masks[key][subset] = mask
    return {key: WiderFaceImageGT(boxes[key], masks[key]) for key in boxes}


def load_wider_gt_mat(gt_dir: str) -> Dict[str, WiderFaceImageGT]:
    """Read the four official ``.mat`` files from a folder.

    Args:
        gt_dir (str): folder holding ``wider_face_val.mat`` and
            ``wider_{easy,medium,hard}_val.mat``.

    Returns:
        Dict[str, WiderFaceImageGT]: see :func:`parse_wider_gt_mat`.

    Raises:
        InputFileError: one of the four files is missing, truncated or no
            MATLAB file, naming it; or their content is not the official
            structure, naming ``gt_dir``.
    """
    val_mat = load_mat(osp.join(gt_dir, WIDER_FACE_VAL_MAT))
    subset_mats = {s: load_mat(osp.join(gt_dir, f))
                   for s, f in WIDER_FACE_SUBSET_MATS.items()}
    try:
        return parse_wider_gt_mat(val_mat, subset_mats)
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise InputFileError(
            gt_dir, None, 'not the official WIDER FACE ground truth: '
            f'{type(err).__name__}: {err}') from None


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
                'data_converters/wider_face_to_coco.py')
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
