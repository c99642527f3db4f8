"""mmengine checkpoints save and resume on torch 2.14 (weights_only=True);
the tools refuse a truncated or empty checkpoint in one sentence."""
import os.path as osp
import subprocess
import sys

import matplotlib
import pytest
import torch
from mmengine.runner import Runner

from mmfacerfcn.testing.configs import (
    CONFIGS,
    REPO,
    tiny_runner_cfg,
    write_random_checkpoint,
)


def test_train_save_resume_continue(tmp_path):
    runner = Runner.from_cfg(tiny_runner_cfg(tmp_path, max_iters=2))
    runner.train()
    ckpt = tmp_path / 'work' / 'iter_2.pth'
    assert ckpt.exists()

    # torch's own safe loader accepts the file: exactly the allow-listed types.
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(str(ckpt))
    assert not [g for g in unsafe if not g.startswith('numpy.')], unsafe
    assert state['meta']['iter'] == 2
    assert 'message_hub' in state and 'optimizer' in state

    cfg = tiny_runner_cfg(tmp_path, max_iters=4)
    cfg.resume = True  # latest checkpoint in work_dir
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 4
    assert (tmp_path / 'work' / 'iter_4.pth').exists()
    resumed = torch.load(tmp_path / 'work' / 'iter_4.pth', weights_only=True)
    # the optimizer momentum survived the resume (it is non-empty state)
    assert resumed['optimizer']['state']


class NotAllowed:
    """A type nobody allow-listed."""


def test_unlisted_pickled_types_stay_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': NotAllowed()}, path)
    with pytest.raises(Exception, match='weights_only'):
        torch.load(path, weights_only=True)


@pytest.mark.parametrize('tool,keep', [('infer', 0.5), ('test', 0)],
                         ids=['infer-truncated', 'test-empty'])
def test_tools_name_a_cut_off_checkpoint(tmp_path, tool, keep):
    """A checkpoint cut off by a kill or a full disk: torch says
    ``RuntimeError: PytorchStreamReader failed ...`` or ``EOFError``, with a
    traceback and no file name; the tools say which file and exit 1."""
    path = tmp_path / 'cut.pth'
    write_random_checkpoint(path)
    size = int(osp.getsize(path) * keep)
    path.write_bytes(path.read_bytes()[:size])
    config = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
    photo = osp.join(matplotlib.get_data_path(), 'sample_data',
                     'grace_hopper.jpg')
    args = ([photo, '--checkpoint', str(path), '--device', 'cpu',
             '--out-dir', str(tmp_path / 'out')] if tool == 'infer' else
            [config, str(path), '--work-dir', str(tmp_path / 'work')])
    out = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', f'{tool}.py'), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith(
        f'error: {path}: not a complete checkpoint (truncated or empty file, '
        f'{size} bytes)'), out.stderr[-3000:]
    assert 'Traceback' not in out.stderr
