"""Training killed midway (SIGKILL) resumes with `tools/train.py --resume`.

The embedded sample config trains on sample data made small in a temporary
folder; the run is killed as soon as a checkpoint is complete (the work dir's
``last_checkpoint`` names it), then resumed from the work dir and finished.
"""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import torch

from mmfacerfcn.testing.batches import CONFIGS, REPO
from mmfacerfcn.testing.sample_data import make_small_wider, sample_cfg_options

CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
TRAIN = osp.join(REPO, 'tools', 'train.py')


def saved_checkpoint(work):
    """The checkpoint ``last_checkpoint`` names once it is written, or None."""
    try:
        path = (work / 'last_checkpoint').read_text().strip()
    except FileNotFoundError:
        return None
    return path if path and osp.isfile(path) else None


def test_sigkill_then_resume_finishes(tmp_path):
    work = tmp_path / 'work'
    args = [sys.executable, TRAIN, CONFIG, '--work-dir', str(work),
            '--cfg-options', 'train_cfg.max_iters=6',
            'train_cfg.val_interval=6', 'default_hooks.checkpoint.interval=2',
            'default_hooks.logger.interval=1',
            *sample_cfg_options(
             make_small_wider(str(tmp_path / 'wider')), str(tmp_path))]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')

    # Output to a file: an unread pipe could fill and stall the run.
    with open(tmp_path / 'first.log', 'w') as log:
        proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 240
            while saved_checkpoint(work) is None:
                assert proc.poll() is None, (tmp_path / 'first.log').read_text(
                )[-3000:]
                assert time.monotonic() < deadline, 'no checkpoint in time'
                time.sleep(0.2)
            killed_at = saved_checkpoint(work)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved_iter = int(osp.basename(killed_at)[len('iter_'):-len('.pth')])
    assert saved_iter in (2, 4)
    assert not (work / 'iter_6.pth').exists()

    out = subprocess.run([*args, '--resume'], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert f'Auto resumed from the latest checkpoint {killed_at}' in log
    assert f'resumed epoch: 0, iter: {saved_iter}' in log
    # training goes on after the saved iteration, not from the start
    assert f'Iter(train) [{saved_iter + 1}/6]' in log
    assert f'Iter(train) [{saved_iter}/6]' not in log
    assert 'wider_face/hard' in log  # the validation at the end ran

    final = work / 'iter_6.pth'
    assert final.exists()
    assert (work / 'last_checkpoint').read_text().strip() == str(final)
    state = torch.load(final, map_location='cpu', weights_only=True)
    assert state['meta']['iter'] == 6
    assert state['optimizer']['state'] and state['state_dict']
