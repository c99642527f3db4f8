"""mmengine checkpoints save and resume on torch 2.14 (weights_only=True)."""
import pytest
import torch
from mmengine.runner import Runner

from mmfacerfcn.testing.batches import tiny_runner_cfg


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
