"""Training killed midway (SIGKILL) resumes with `tools/train.py --resume`.

The embedded sample config trains on sample data made small in a temporary
folder; the run is killed as soon as a checkpoint is complete (the work dir's
``last_checkpoint`` names it), then resumed from the work dir and finished.
"""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import torch

from mmfacerfcn.testing.configs import CONFIGS, REPO
from mmfacerfcn.testing.sample_data import make_small_wider, sample_cfg_options
from mmfacerfcn.utils.checkpoint_files import newest_intact_checkpoint

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
            # Only a guard against a hang: a loaded machine may be slow.
            deadline = time.monotonic() + 600
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


# Seconds between a save starting (its file appears) and the kill. The first
# kill comes after the first save, so that each later save has an older
# checkpoint to lose (max_keep_ckpts=1). On the sample model a save takes
# some 0.03 s: most delays fall inside it (the write, the rename,
# last_checkpoint, deleting the old checkpoint), the last ones after it.
KILL_DELAYS = (0.5, 0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08)
STEP_ENTRY = re.compile(r'^iter_(\d+)\.pth(\.tmp)?$')


def step_entries(work):
    """``{(name, inode, mtime): step}`` of the checkpoint files in ``work``,
    finished or being written."""
    entries = {}
    if work.is_dir():
        for entry in os.scandir(work):
            match = STEP_ENTRY.match(entry.name)
            if match:
                stat = entry.stat()
                entries[(entry.name, stat.st_ino, stat.st_mtime_ns)] = int(
                    match.group(1))
    return entries


def kill_during_next_save(args, env, log_file, work, delay):
    """Run ``args`` until a checkpoint file appears that was not there at the
    start, wait ``delay`` seconds, SIGKILL.

    Returns:
        int: The step of the checkpoint that was being saved.
    """
    before = step_entries(work)
    with open(log_file, 'w') as log:
        proc = subprocess.Popen(args, cwd=work.parent, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            # Only a guard against a hang: a loaded machine may be slow.
            deadline = time.monotonic() + 600
            while True:
                new = {k: v for k, v in step_entries(work).items()
                       if k not in before}
                if new:
                    break
                assert proc.poll() is None, log_file.read_text()[-3000:]
                assert time.monotonic() < deadline, 'no checkpoint in time'
                time.sleep(0.002)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
    return max(new.values())


def save_stage(work, saving):
    """Where the save of step ``saving`` was when the kill came."""
    names = os.listdir(work)
    if f'iter_{saving}.pth.tmp' in names:
        return 'writing'
    if f'iter_{saving}.pth' not in names:
        return 'not written'
    if not saved_checkpoint(work) or not saved_checkpoint(work).endswith(
            f'iter_{saving}.pth'):
        return 'renamed, pointer old'
    if len([n for n in names if STEP_ENTRY.match(n)]) > 1:
        return 'pointer new, old kept'
    return 'after the save'


def resumed_iter(log):
    """The iteration a run's log says it resumed from (0: a fresh start)."""
    match = re.search(r'resumed epoch: \d+, iter: (\d+)', log)
    return int(match.group(1)) if match else 0


def test_kill_loop_during_saves_loses_at_most_one_interval(tmp_path):
    """SIGKILL at varying delays after each save starts, resume each time:
    every resume starts from an intact checkpoint at most one interval back,
    and the run ends at ``max_iters`` (with ``max_keep_ckpts=1``, mmengine
    0.10.7 lost the whole run when the kill came during the write)."""
    work = tmp_path / 'work'
    # each run is killed at its first save: it can get at most one interval
    interval = 2
    max_iters = interval * (len(KILL_DELAYS) + 1)
    args = [sys.executable, TRAIN, CONFIG, '--work-dir', str(work),
            '--resume', '--cfg-options', f'train_cfg.max_iters={max_iters}',
            'train_cfg.val_interval=1000', 'default_hooks.logger.interval=1',
            f'default_hooks.checkpoint.interval={interval}',
            'default_hooks.checkpoint.max_keep_ckpts=1',
            *sample_cfg_options(
             make_small_wider(str(tmp_path / 'wider')), str(tmp_path))]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')

    # per kill: delay, step being saved, stage of the save, damaged files
    # under a checkpoint's name, iterations lost (known once resumed)
    kills = []
    for i, delay in enumerate(KILL_DELAYS):
        log_file = tmp_path / f'run{i}.log'
        saving = kill_during_next_save(args, env, log_file, work, delay)
        resumed = resumed_iter(log_file.read_text())
        if kills:
            kills[-1]['lost'] = kills[-1]['saving'] - resumed
        kills.append(dict(delay=delay, saving=saving,
                          stage=save_stage(work, saving),
                          damaged=newest_intact_checkpoint(work)[1]))

    out = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    kills[-1]['lost'] = kills[-1]['saving'] - resumed_iter(log)
    print(f'\n{len(kills)} kills, '
          f'{sum(k["stage"] != "after the save" for k in kills)} during a '
          'save; delay s, iteration being saved, stage, iterations lost:')
    for k in kills:
        print(f'  {k["delay"]:.3f}  {k["saving"]:2d}  {k["stage"]:22s}  '
              f'{k["lost"]}')

    assert all(0 <= k['lost'] <= interval for k in kills), kills
    assert not [k['damaged'] for k in kills if k['damaged']]
    assert f'Iter(train) [{max_iters}/{max_iters}]' in log
    final = work / f'iter_{max_iters}.pth'
    assert saved_checkpoint(work) == str(final)
    assert torch.load(final, map_location='cpu',
                      weights_only=True)['meta']['iter'] == max_iters
