"""init_checked_detector / init_detector_or_exit: the tools' one way to load
a checkpoint, refusing a missing, cut-off or ill-fitting file by name."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmfacerfcn.testing.configs import CONFIGS, write_random_checkpoint
from mmfacerfcn.utils.checkpoint_files import IncompleteCheckpointError
from mmfacerfcn.utils.checkpoint_fit import (
    CheckpointMismatchError,
    init_checked_detector,
    init_detector_or_exit,
)

CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(CONFIG)


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return write_random_checkpoint(tmp_path_factory.mktemp('ckpt') / 'r.pth')


def test_a_fitting_checkpoint_loads(cfg, checkpoint):
    model = init_checked_detector(cfg, checkpoint, CONFIG)
    state = torch.load(checkpoint, weights_only=True)['state_dict']
    key = 'roi_head.bbox_head.conv_cls.weight'
    assert torch.equal(model.state_dict()[key], state[key])
    assert model.dataset_meta['classes'] == ('face', )
    assert not model.training


def test_missing_and_cut_off_files_are_named(cfg, checkpoint, tmp_path):
    missing = str(tmp_path / 'none.pth')
    with pytest.raises(FileNotFoundError,
                       match=f'{missing}: checkpoint not found'):
        init_checked_detector(cfg, missing, CONFIG)
    cut = tmp_path / 'cut.pth'
    with open(checkpoint, 'rb') as f:
        cut.write_bytes(f.read()[:4096])
    with pytest.raises(IncompleteCheckpointError, match=str(cut)):
        init_checked_detector(cfg, str(cut), CONFIG)


def test_a_checkpoint_of_another_model_is_refused_unless_allowed(
        cfg, checkpoint, tmp_path):
    state = torch.load(checkpoint, weights_only=True)
    del state['state_dict']['roi_head.bbox_head.conv_cls.weight']
    other = str(tmp_path / 'other.pth')
    torch.save(state, other)
    with pytest.raises(CheckpointMismatchError) as err:
        init_checked_detector(cfg, other, 'c.py')
    message = str(err.value)
    assert message.startswith(f'{other}: does not fit the model')
    assert 'roi_head.bbox_head.conv_cls.weight' in message
    assert message.endswith('with config c.py; pass '
                            '--allow-partial-checkpoint to use it anyway')
    init_checked_detector(cfg, other, 'c.py', allow_partial=True)
    with pytest.raises(SystemExit, match=f'^error: {other}: does not '):
        init_detector_or_exit(cfg, other, 'c.py')
