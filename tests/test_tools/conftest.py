"""Fixtures of the tool tests: the tiny WIDER FACE val ground truth (see
:mod:`mmfacerfcn.testing.tiny_wider`), a small embedded sample and a
checkpoint of the sample model with random weights."""
import pytest

from mmfacerfcn.testing.configs import write_random_checkpoint
from mmfacerfcn.testing.sample_data import make_small_wider
from mmfacerfcn.testing.tiny_wider import tiny_wider  # noqa: F401  (fixture)


@pytest.fixture(scope='session')
def small_sample(tmp_path_factory):
    """The embedded sample with 3 train and 3 val pictures, converted."""
    return make_small_wider(str(tmp_path_factory.mktemp('wider')),
                            num_train=3, num_val=3)


@pytest.fixture(scope='session')
def random_checkpoint(tmp_path_factory):
    """A checkpoint of ``face_rfcn_r18_wider-sample.py``, random weights."""
    return write_random_checkpoint(
        tmp_path_factory.mktemp('ckpt') / 'random.pth')
