"""The three real portraits written for tools/infer.py and the main job."""
import subprocess
import sys

import cv2
import matplotlib
import numpy as np
import skimage.data

from mmfacerfcn.testing.portraits import PORTRAIT_FILES, write_portraits


def test_written_as_the_packages_ship_them(tmp_path):
    paths = write_portraits(str(tmp_path / 'p'))
    assert sorted(paths) == sorted(PORTRAIT_FILES)
    grace = cv2.imread(paths['grace_hopper.jpg'])
    assert grace.shape == (600, 512, 3)
    with open(paths['grace_hopper.jpg'], 'rb') as f, open(
            f'{matplotlib.get_data_path()}/sample_data/grace_hopper.jpg',
            'rb') as g:
        assert f.read() == g.read()
    # PNG is lossless: the pixels are scikit-image's own.
    astronaut = cv2.imread(paths['astronaut.png'])[..., ::-1]
    np.testing.assert_array_equal(astronaut, skimage.data.astronaut())
    camera = cv2.imread(paths['camera.png'], cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(camera, skimage.data.camera())


def test_command_line(tmp_path):
    out = subprocess.run(
        [sys.executable, '-m', 'mmfacerfcn.testing.portraits', str(tmp_path)],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PORTRAIT_FILES)
    out = subprocess.run([sys.executable, '-m', 'mmfacerfcn.testing.portraits'],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and 'usage' in out.stderr
