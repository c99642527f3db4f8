"""Real pictures that ship with installed packages, for ``tools/infer.py``:
three single-face portraits and three pictures without a face.

    python -m mmfacerfcn.testing.portraits OUT_DIR

writes them as image files:

- ``grace_hopper.jpg``: matplotlib's ``sample_data/grace_hopper.jpg``
  (colour, frontal, glasses, cap), copied as it is;
- ``astronaut.png``: scikit-image's ``data.astronaut()`` (colour, frontal);
- ``camera.png``: scikit-image's ``data.camera()`` (grey, a three-quarter
  view, the camera close to the face);
- ``text.png``, ``retina.png``, ``ihc.png``: scikit-image's ``data.text()``
  (grey), ``data.retina()`` and ``data.immunohistochemistry()`` (colour),
  with no face at all (:data:`FACE_FREE_FILES`).

None of them is in the training data: the embedded sample pastes LFW crops on
other pictures without people, and leaves these three face-free ones out.

    python -m mmfacerfcn.testing.portraits --check INFER_DIR

reads ``tools/infer.py``'s ``<stem>.json`` for each of them and prints, per
portrait, the best IoU of a box with the face drawn by hand
(:data:`PORTRAIT_FACES`) and how many other boxes were drawn, and per
face-free picture how many boxes were drawn (:func:`check_portraits`).
"""
import json
import os
import os.path as osp
import shutil
import sys
from typing import Dict, Optional, Tuple

import matplotlib
import numpy as np
import skimage.data
import torch
from PIL import Image

#: Every picture written from scikit-image: file name to its loader in
#: ``skimage.data`` (``grace_hopper.jpg`` is matplotlib's, copied as it is).
SKIMAGE_PICTURES = {
    'astronaut.png': 'astronaut',
    'camera.png': 'camera',
    'text.png': 'text',
    'retina.png': 'retina',
    'ihc.png': 'immunohistochemistry',
}
#: The face of each portrait (x1, y1, x2, y2, pixels of the file written),
#: drawn by hand as WIDER FACE draws a face: hairline (or the cap's brim) to
#: chin, cheek to cheek, ears out; the camera man's face, nearly in profile,
#: from the front of his ear to the tip of his nose. MTCNN, run with its own
#: settings, finds each of them (tests/test_testing/test_portraits.py).
PORTRAIT_FACES = {
    'grace_hopper.jpg': (165, 140, 350, 335),
    'astronaut.png': (175, 65, 272, 168),
    'camera.png': (195, 128, 258, 202),
}
#: The portraits: the pictures with a hand-drawn face.
PORTRAIT_FILES = tuple(PORTRAIT_FACES)
#: The pictures without a face: every box drawn on them is a false positive.
FACE_FREE_FILES = tuple(name for name in SKIMAGE_PICTURES
                        if name not in PORTRAIT_FACES)


def write_portraits(out_dir: str) -> Dict[str, str]:
    """Write the portraits and the face-free pictures into ``out_dir``.

    Args:
        out_dir (str): Folder to write into (made if missing).

    Returns:
        dict[str, str]: File name (:data:`PORTRAIT_FILES`, then
        :data:`FACE_FREE_FILES`) to the path written.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = {name: osp.join(out_dir, name)
             for name in PORTRAIT_FILES + FACE_FREE_FILES}
    shutil.copyfile(
        osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg'),
        paths['grace_hopper.jpg'])
    for name, loader in SKIMAGE_PICTURES.items():
        image = getattr(skimage.data, loader)()
        Image.fromarray(np.ascontiguousarray(image)).save(paths[name])
    return paths


#: IoU with the hand-drawn box from which a detection finds the face, as
#: WIDER FACE's protocol counts a true positive.
MIN_IOU = 0.5


def _read_boxes(infer_dir: str, name: str) -> torch.Tensor:
    """infer.py's boxes of picture ``name``, shape (n, 4), ``x1 y1 x2 y2``."""
    path = osp.join(infer_dir, osp.splitext(name)[0] + '.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no detections of {name} (run '
                                'tools/infer.py on the pictures of '
                                'python -m mmfacerfcn.testing.portraits)')
    try:
        with open(path) as f:
            return torch.tensor(json.load(f)['bboxes'],
                                dtype=torch.float64).reshape(-1, 4)
    except (ValueError, KeyError, TypeError, RuntimeError) as err:
        raise ValueError(f'{path}: not infer.py\'s detections (a '
                         f'"bboxes" list of x1 y1 x2 y2 rows): {err}'
                         ) from None


def check_portraits(
        infer_dir: str,
        min_iou: float = MIN_IOU) -> Dict[str, Tuple[Optional[float], int]]:
    """How ``tools/infer.py``'s boxes on the pictures meet their faces.

    Args:
        infer_dir (str): infer.py's ``--out-dir``, with ``<stem>.json`` of
            each of :data:`PORTRAIT_FILES` and :data:`FACE_FREE_FILES`.
        min_iou (float): A box with at least this IoU finds the face.
            Defaults to :data:`MIN_IOU`.

    Returns:
        dict[str, tuple[float | None, int]]: Per portrait: the best IoU of a
        box with the hand-drawn face (0 without boxes), and the boxes that
        do not find it (the other boxes); per face-free picture: ``None``
        and all its boxes.

    Raises:
        FileNotFoundError: A picture's JSON is missing (naming it).
        ValueError: A JSON holds no ``bboxes`` list of ``x1 y1 x2 y2``
            rows (naming it).
    """
    from torchvision.ops import box_iou
    report: Dict[str, Tuple[Optional[float], int]] = {}
    for name, face in PORTRAIT_FACES.items():
        boxes = _read_boxes(infer_dir, name)
        ious = box_iou(boxes, torch.tensor([face], dtype=torch.float64))[:, 0]
        report[name] = (float(ious.max()) if len(ious) else 0.0,
                        int((ious < min_iou).sum()))
    for name in FACE_FREE_FILES:
        report[name] = (None, len(_read_boxes(infer_dir, name)))
    return report


def main(argv) -> None:
    """``OUT_DIR``: write the portraits; ``--check INFER_DIR``: report."""
    if len(argv) == 1:
        for path in write_portraits(argv[0]).values():
            print(path)
        return
    if len(argv) != 2 or argv[0] != '--check':
        sys.exit('usage: python -m mmfacerfcn.testing.portraits OUT_DIR\n'
                 '       python -m mmfacerfcn.testing.portraits --check '
                 'INFER_DIR')
    try:
        report = check_portraits(argv[1])
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'portraits: error: {err}')
    for name, (iou, others) in report.items():
        if iou is None:
            print(f'{name}: no face, {others} box(es)')
            continue
        verdict = 'found' if iou >= MIN_IOU else 'missed'
        print(f'{name}: face {verdict} (best IoU {iou:.2f} with the '
              f'hand-drawn box), {others} other box(es)')


if __name__ == '__main__':
    main(sys.argv[1:])
