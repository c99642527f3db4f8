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
"""
import os
import os.path as osp
import shutil
import sys
from typing import Dict

import matplotlib
import numpy as np
import skimage.data
from PIL import Image

PORTRAIT_FILES = ('grace_hopper.jpg', 'astronaut.png', 'camera.png')


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


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: python -m mmfacerfcn.testing.portraits OUT_DIR')
    for path in write_portraits(sys.argv[1]).values():
        print(path)
