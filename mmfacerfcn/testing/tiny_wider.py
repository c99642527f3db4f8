"""A tiny WIDER FACE val ground truth, as official .mat files and as our JSON.

Used as the ``tiny_wider`` fixture by the tests of the evaluation and of bad
inputs (their ``conftest.py`` import it from here).

Images (x y w h faces; subsets as 1-based gt_list indices):
    0--Parade/img_a: a1 (10,10,20,20), a2 (50,50,30,30), a3 (100,100,4,4)
                     easy [2], medium [1, 2], hard [1, 2, 3]
    0--Parade/img_b: no face
    1--Handshaking/img_c: c1 (0,0,40,40), c2 (60,0,10,10)
                     easy [1], medium [1], hard [1, 2]
so easy has 2 faces (a2, c1), medium 3 (a1, a2, c1), hard all 5.
"""
import json
import types
from typing import Dict, List

import numpy as np
import pytest
from scipy.io import savemat

EVENTS = {'0--Parade': ['img_a', 'img_b'], '1--Handshaking': ['img_c']}
BOXES = {
    '0--Parade/img_a': [[10, 10, 20, 20], [50, 50, 30, 30], [100, 100, 4, 4]],
    '0--Parade/img_b': [],
    '1--Handshaking/img_c': [[0, 0, 40, 40], [60, 0, 10, 10]],
}
GT_LISTS = {  # 1-based, as in wider_{subset}_val.mat
    'easy': {'0--Parade/img_a': [2], '0--Parade/img_b': [],
             '1--Handshaking/img_c': [1]},
    'medium': {'0--Parade/img_a': [1, 2], '0--Parade/img_b': [],
               '1--Handshaking/img_c': [1]},
    'hard': {'0--Parade/img_a': [1, 2, 3], '0--Parade/img_b': [],
             '1--Handshaking/img_c': [1, 2]},
}


def cell(items: List) -> np.ndarray:
    """A MATLAB n x 1 cell array for scipy.io.savemat."""
    out = np.empty((len(items), 1), dtype=object)
    for i, item in enumerate(items):
        out[i, 0] = item
    return out


def write_wider_mats(gt_dir, events: Dict[str, List[str]],
                     boxes: Dict[str, List], gt_lists: Dict[str, Dict]) -> None:
    """Write the four official .mat files in their exact structure."""
    event_list = cell(list(events))
    file_list = cell([cell(names) for names in events.values()])
    face_bbx_list = cell([
        cell([np.array(boxes[f'{e}/{n}'], dtype=np.float64).reshape(-1, 4)
              for n in names]) for e, names in events.items()])
    savemat(str(gt_dir / 'wider_face_val.mat'),
            dict(event_list=event_list, file_list=file_list,
                 face_bbx_list=face_bbx_list))
    for subset, keep in gt_lists.items():
        gt_list = cell([
            cell([np.array(keep[f'{e}/{n}'], dtype=np.float64).reshape(-1, 1)
                  for n in names]) for e, names in events.items()])
        savemat(str(gt_dir / f'wider_{subset}_val.mat'),
                dict(event_list=event_list, file_list=file_list,
                     gt_list=gt_list))


def make_coco(events: Dict[str, List[str]], boxes: Dict[str, List],
              gt_lists: Dict[str, Dict]) -> dict:
    """The val COCO JSON of docs/wider_face_coco_format.md for the same gt.

    Annotations are written in reverse face order so that the reader has to
    sort by face_index.
    """
    images, anns = [], []
    for event, names in events.items():
        for name in names:
            key = f'{event}/{name}'
            img_id = len(images) + 1
            images.append(dict(id=img_id, file_name=f'{key}.jpg', width=1024,
                               height=768, event=event))
            for idx in reversed(range(len(boxes[key]))):
                x, y, w, h = boxes[key][idx]
                anns.append(dict(
                    id=len(anns) + 1, image_id=img_id, category_id=1,
                    face_index=idx, wider_bbox=[x, y, w, h], bbox=[x, y, w, h],
                    area=w * h, iscrowd=0, flags=[],
                    attributes=dict(blur=0, expression=0, illumination=0,
                                    invalid=0, occlusion=0, pose=0),
                    subsets={s: idx + 1 in keep[key]
                             for s, keep in gt_lists.items()}))
    return dict(info=dict(split='val'), images=images, annotations=anns,
                categories=[dict(id=1, name='face')])


# Predictions on the tiny gt (x y w h score), with their APs computed by hand
# below: a false positive at 1.0 in img_c, a1 at 0.75, a2
# at 0.5, a detection in the face-less img_b at 0.25, c1 at 0.
TINY_PREDS = {
    '0--Parade/img_a': [[10, 10, 20, 20, 0.75], [50, 50, 30, 30, 0.5]],
    '0--Parade/img_b': [[300, 300, 20, 20, 0.25]],
    '1--Handshaking/img_c': [[200, 200, 30, 30, 1.0], [0, 0, 40, 40, 0.0]],
}
# easy: FP, (a1 outside easy: removed), a2 TP, c1 TP -> P/R (0.5, 0.5),
#   (2/3, 1) -> envelope 2/3 -> AP 2/3
# medium: FP, a1, a2, c1 -> (1/2, 1/3), (2/3, 2/3), (3/4, 1) -> AP 0.75
# hard: same counts over 5 faces -> recall 0.2, 0.4, 0.6 -> AP 0.6 * 0.75
TINY_APS = {'easy': 2 / 3, 'medium': 0.75, 'hard': 0.45}


@pytest.fixture
def tiny_wider(tmp_path):
    """The tiny gt above written to tmp_path/gt (.mat) and tmp_path/val.json."""
    gt_dir = tmp_path / 'gt'
    gt_dir.mkdir()
    write_wider_mats(gt_dir, EVENTS, BOXES, GT_LISTS)
    ann_file = tmp_path / 'val.json'
    coco = make_coco(EVENTS, BOXES, GT_LISTS)
    ann_file.write_text(json.dumps(coco))
    img_ids = {img['file_name'][:-4]: img['id'] for img in coco['images']}
    return types.SimpleNamespace(gt_dir=str(gt_dir), ann_file=str(ann_file),
                                 img_ids=img_ids, boxes=BOXES,
                                 gt_lists=GT_LISTS,
                                 preds={k: np.array(v, dtype=np.float64)
                                        for k, v in TINY_PREDS.items()},
                                 aps=dict(TINY_APS))
