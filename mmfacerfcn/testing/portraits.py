"""Three real single-face portraits that ship with installed packages.

    python -m mmfacerfcn.testing.portraits OUT_DIR

writes them as image files for ``tools/infer.py``:

- ``grace_hopper.jpg``: matplotlib's ``sample_data/grace_hopper.jpg``
  (colour, frontal, glasses, cap), copied as it is;
- ``astronaut.png``: scikit-image's ``data.astronaut()`` (colour, frontal);
- ``camera.png``: scikit-image's ``data.camera()`` (grey, a three-quarter
  view, the camera close to the face).

None of them is in the training data: the embedded sample pastes LFW crops on
pictures without people.

    python -m mmfacerfcn.testing.portraits --check INFER_DIR

reads ``tools/infer.py``'s ``<stem>.json`` for each of them and prints, per
portrait, the best IoU of a box with the face drawn by hand
(:data:`PORTRAIT_FACES`) and how many other boxes were drawn
(:func:`check_portraits`).
"""
import json
import os
import os.path as osp
import shutil
import sys
from typing import Dict, Tuple

import matplotlib
import numpy as np
import skimage.data
import torch
from PIL import Image

PORTRAIT_FILES = ('grace_hopper.jpg', 'astronaut.png', 'camera.png')
# The face of each portrait (x1, y1, x2, y2, pixels of the file written), drawn
# by hand as WIDER FACE draws a face: hairline (or the cap's brim) to chin,
# cheek to cheek, ears out.
PORTRAIT_FACES = {
    'grace_hopper.jpg': (165, 140, 350, 335),
    'astronaut.png': (175, 65, 272, 168),
    'camera.png': (178, 95, 258, 200),
}


def write_portraits(out_dir: str) -> Dict[str, str]:
    """Write the three portraits into ``out_dir``.

    Args:
        out_dir (str): Folder to write into (made if missing).

    Returns:
        dict[str, str]: File name to the path written.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = {name: osp.join(out_dir, name) for name in PORTRAIT_FILES}
    shutil.copyfile(
        osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg'),
        paths['grace_hopper.jpg'])
    for name, image in (('astronaut.png', skimage.data.astronaut()),
                        ('camera.png', skimage.data.camera())):
        Image.fromarray(np.ascontiguousarray(image)).save(paths[name])
    return paths


#: IoU with the hand-drawn box from which a detection finds the face, as
#: WIDER FACE's protocol counts a true positive.
MIN_IOU = 0.5


def check_portraits(infer_dir: str,
                    min_iou: float = MIN_IOU) -> Dict[str, Tuple[float, int]]:
    """How ``tools/infer.py``'s boxes on the portraits meet their faces.

    Args:
        infer_dir (str): infer.py's ``--out-dir``, with ``<stem>.json`` of
            each of :data:`PORTRAIT_FILES`.
        min_iou (float): A box with at least this IoU finds the face.
            Defaults to :data:`MIN_IOU`.

    Returns:
        dict[str, tuple[float, int]]: Per file: the best IoU of a box with
        the hand-drawn face (0 without boxes), and the boxes that do not
        find it (the other boxes).

    Raises:
        FileNotFoundError: A portrait's JSON is missing (naming it).
        ValueError: A JSON holds no ``bboxes`` list of ``x1 y1 x2 y2``
            rows (naming it).
    """
    from torchvision.ops import box_iou
    report = {}
    for name, face in PORTRAIT_FACES.items():
        path = osp.join(infer_dir, osp.splitext(name)[0] + '.json')
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: no detections of {name} (run '
                                    'tools/infer.py on the portraits)')
        try:
            with open(path) as f:
                boxes = torch.tensor(json.load(f)['bboxes'],
                                     dtype=torch.float64).reshape(-1, 4)
        except (ValueError, KeyError, TypeError, RuntimeError) as err:
            raise ValueError(f'{path}: not infer.py\'s detections (a '
                             f'"bboxes" list of x1 y1 x2 y2 rows): {err}'
                             ) from None
        ious = box_iou(boxes, torch.tensor([face], dtype=torch.float64))[:, 0]
        report[name] = (float(ious.max()) if len(ious) else 0.0,
                        int((ious < min_iou).sum()))
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
        verdict = 'found' if iou >= MIN_IOU else 'missed'
        print(f'{name}: face {verdict} (best IoU {iou:.2f} with the '
              f'hand-drawn box), {others} other box(es)')


if __name__ == '__main__':
    main(sys.argv[1:])
