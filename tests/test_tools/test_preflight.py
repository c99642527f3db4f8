"""Missing data, weights or mmcv build: clear messages that say what to run."""
import importlib.metadata
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest

from mmfacerfcn.testing.configs import CONFIGS, REPO
from mmfacerfcn.testing.sample_data import make_small_wider
from mmfacerfcn.utils import env_check

MAIN = osp.join(CONFIGS, 'face_rfcn_r101_wider.py')


def run_train(*args, cwd):
    return subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), MAIN, *args],
        cwd=cwd, capture_output=True, text=True, timeout=300)


def test_train_without_wider_face_names_download_and_converter(tmp_path):
    out = run_train('--work-dir', str(tmp_path / 'w'), cwd=tmp_path)
    assert out.returncode != 0
    assert 'data/WIDERFace/annotations/wider_face_train.json not found' in out.stderr
    assert 'tools/dataset_converters/wider_face_to_coco.py data/WIDERFace/' in (
        out.stderr)
    assert 'Traceback' in out.stderr  # FileNotFoundError, with the message last
    assert out.stderr.rstrip().splitlines()[-1].startswith('For the embedded')


def test_train_offline_names_the_weights_to_fetch(tmp_path):
    root = make_small_wider(str(tmp_path / 'WIDERFace'), num_train=2, num_val=1)
    out = run_train(
        '--work-dir', str(tmp_path / 'w'), '--cfg-options',
        f'train_dataloader.dataset.data_root={root}/',
        f'val_dataloader.dataset.data_root={root}/',
        f'val_evaluator.ann_file={root}/annotations/wider_face_val.json',
        cwd=tmp_path)
    if 'could not download' not in out.stderr:
        pytest.skip('this machine reached the network or had the weights')
    assert out.returncode != 0
    assert 'resnet101' in out.stderr and 'checkpoints' in out.stderr
    assert 'model.backbone.init_cfg=None' in out.stderr


@pytest.mark.parametrize('case, expected', [
    ('missing', 'mmcv 2.1.0 with compiled ops is not installed'),
    ('wrong', 'mmcv 2.2.0 is installed but mmfacerfcn needs mmcv 2.1.0'),
    ('lite', 'has no compiled ops'),
])
def test_bad_mmcv_says_what_to_run(monkeypatch, case, expected):
    real_version = importlib.metadata.version

    def fake_version(name):
        if name == 'mmcv':
            if case == 'missing':
                raise importlib.metadata.PackageNotFoundError(name)
            return '2.2.0' if case == 'wrong' else '2.1.0'
        return real_version(name)

    monkeypatch.setattr(env_check, 'version', fake_version)
    if case == 'lite':
        monkeypatch.setattr(importlib.util, 'find_spec', lambda name: None)
    with pytest.raises(ImportError, match=expected) as info:
        env_check.check_mmcv()
    assert 'bash tools/setup_env.sh' in str(info.value)


def test_good_mmcv_passes():
    env_check.check_mmcv()
