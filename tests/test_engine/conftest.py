"""What the hook tests that run the sample detector share: its config at test
scale (320, 256) and Grace Hopper's portrait through its test pipeline."""
import os.path as osp

import matplotlib
import pytest

from mmfacerfcn.testing.benchmark import load_benchmark_cfg, load_test_image
from mmfacerfcn.testing.onnx_files import SAMPLE_CONFIG

PHOTO = osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg')


@pytest.fixture(scope='module')
def cfg():
    return load_benchmark_cfg(SAMPLE_CONFIG, scale=(320, 256))


@pytest.fixture(scope='module')
def data(cfg):
    """``inputs`` and ``data_samples`` of the portrait, no annotations."""
    return load_test_image(cfg, PHOTO)
