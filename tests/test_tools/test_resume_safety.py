"""`tools/train.py --resume` never executes text stored in a checkpoint.

mmengine's ``Runner.resume`` hands ``checkpoint['meta']['config']`` to
``Config.fromstring``, which runs it. A checkpoint saved by our runner, with
that entry set to code that creates a file, is resumed: the run must continue
to ``max_iters`` (iteration, optimizer, weights restored) and the file must
not appear.
"""
import os
import os.path as osp
import subprocess
import sys

import torch

from mmfacerfcn.testing.configs import CONFIGS, REPO
from mmfacerfcn.testing.sample_data import make_small_wider, sample_cfg_options

CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
TRAIN = osp.join(REPO, 'tools', 'train.py')
EVIL_CONFIG = "x = __import__('os').system('touch PWNED')\n"


def test_resume_ignores_config_text_in_checkpoint(tmp_path):
    work = tmp_path / 'work'
    args = [sys.executable, TRAIN, CONFIG, '--work-dir', str(work),
            '--cfg-options', 'train_cfg.val_interval=100',
            'default_hooks.checkpoint.interval=2',
            'default_hooks.logger.interval=1',
            *sample_cfg_options(
             make_small_wider(str(tmp_path / 'wider')), str(tmp_path))]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    out = subprocess.run([*args, 'train_cfg.max_iters=2'], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]

    saved = torch.load(work / 'iter_2.pth', map_location='cpu',
                       weights_only=True)
    saved['meta']['config'] = EVIL_CONFIG
    evil = tmp_path / 'evil.pth'
    torch.save(saved, evil)

    out = subprocess.run([*args, 'train_cfg.max_iters=4', '--resume',
                          str(evil)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    log = out.stdout + out.stderr
    assert not (tmp_path / 'PWNED').exists()
    assert out.returncode == 0, log[-3000:]
    assert 'meta["config"] ignored' in log
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [2/4]' not in log

    final = torch.load(work / 'iter_4.pth', map_location='cpu',
                       weights_only=True)
    assert final['meta']['iter'] == 4
    assert final['optimizer']['state']
    # the schedulers went on from the saved state, not from zero
    assert [s['last_step'] for s in final['param_schedulers']] == [
        s['last_step'] + 2 for s in saved['param_schedulers']]
    # training continued from the saved weights, not from a fresh model
    moved = [k for k, v in final['state_dict'].items()
             if v.is_floating_point() and not torch.equal(
                 v, saved['state_dict'][k])]
    assert moved
