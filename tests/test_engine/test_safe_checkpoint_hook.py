"""SafeResumeRunner with SafeCheckpointHook: a checkpoint is whole or absent,
the previous one is deleted only after it, and resume passes over damage.

mmengine 0.10.7's CheckpointHook deletes the oldest kept checkpoint before it
writes the new one, under its final name; each test here fails on that order.
"""
import errno
import os
import os.path as osp

import pytest
from mmengine.fileio import LocalBackend

from mmfacerfcn.engine import SafeCheckpointHook, SafeResumeRunner
from mmfacerfcn.testing.configs import tiny_runner_cfg
from mmfacerfcn.utils.checkpoint_files import (
    CheckpointWriteError,
    IncompleteCheckpointError,
    check_checkpoint_complete,
)


def build_runner(tmp_path, max_iters, max_keep_ckpts=-1, resume=False):
    cfg = tiny_runner_cfg(tmp_path, max_iters=max_iters)
    cfg.default_hooks.checkpoint.max_keep_ckpts = max_keep_ckpts
    cfg.resume = resume
    return SafeResumeRunner.from_cfg(cfg)


def step_files(work):
    return sorted(n for n in os.listdir(work) if n.startswith('iter_'))


def pointer(work):
    return (work / 'last_checkpoint').read_text().strip()


def log_text(runner):
    return open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()


def test_checkpoint_hook_is_made_safe(tmp_path):
    runner = build_runner(tmp_path, 2)
    hooks = [h for h in runner.hooks if isinstance(h, SafeCheckpointHook)]
    assert len(hooks) == 1 and hooks[0].interval == 2


def test_old_checkpoint_removed_only_after_new_one_is_complete(
        tmp_path, monkeypatch):
    work = tmp_path / 'work'
    events = []
    put, remove = LocalBackend.put, LocalBackend.remove

    def spy_put(self, obj, filepath):
        if osp.basename(filepath).startswith('iter_'):
            events.append(('write', osp.basename(filepath), step_files(work)))
        put(self, obj, filepath)

    def spy_remove(self, filepath):
        named = pointer(work)
        check_checkpoint_complete(named)
        events.append(('remove', osp.basename(filepath), osp.basename(named)))
        remove(self, filepath)

    monkeypatch.setattr(LocalBackend, 'put', spy_put)
    monkeypatch.setattr(LocalBackend, 'remove', spy_remove)
    build_runner(tmp_path, 4, max_keep_ckpts=1).train()
    assert events == [
        ('write', 'iter_2.pth.tmp', []),
        # the kept checkpoint is still there while the new one is written,
        ('write', 'iter_4.pth.tmp', ['iter_2.pth']),
        # and goes once last_checkpoint names the new one, complete
        ('remove', 'iter_2.pth', 'iter_4.pth'),
    ]
    assert step_files(work) == ['iter_4.pth']
    assert pointer(work) == str(work / 'iter_4.pth')


def test_full_disk_leaves_no_partial_checkpoint(tmp_path, monkeypatch):
    work = tmp_path / 'work'
    put = LocalBackend.put

    def disk_full_at_iter_4(self, obj, filepath):
        if osp.basename(filepath).startswith('iter_4'):
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', disk_full_at_iter_4)
    with pytest.raises(CheckpointWriteError,
                       match=r'iter_4\.pth: checkpoint not written \(No '
                       r'space left on device\); the earlier checkpoints'):
        build_runner(tmp_path, 4, max_keep_ckpts=1).train()
    assert step_files(work) == ['iter_2.pth']
    assert pointer(work) == str(work / 'iter_2.pth')
    check_checkpoint_complete(work / 'iter_2.pth')

    monkeypatch.undo()  # space again: resume goes on from iteration 2
    runner = build_runner(tmp_path, 4, max_keep_ckpts=1, resume=True)
    runner.train()
    assert runner.iter == 4 and step_files(work) == ['iter_4.pth']
    assert 'resumed epoch: 0, iter: 2' in log_text(runner)


def test_resume_passes_over_a_truncated_newest_checkpoint(tmp_path):
    work = tmp_path / 'work'
    build_runner(tmp_path, 4).train()
    # as an earlier version left it after a kill or a full disk
    newest = work / 'iter_4.pth'
    newest.write_bytes(newest.read_bytes()[:1000])

    runner = build_runner(tmp_path, 6, resume=True)
    runner.train()
    log = log_text(runner)
    assert (f'{newest}: not a complete checkpoint (truncated or empty file, '
            f'1000 bytes) (named by {work}/last_checkpoint); resuming from '
            f'the newest intact checkpoint instead: {work}/iter_2.pth'
            ) in log
    assert 'WARNING' in log.split(f'{newest}: not a complete')[0][-100:]
    assert 'resumed epoch: 0, iter: 2' in log
    assert runner.iter == 6
    for name in ('iter_2.pth', 'iter_4.pth', 'iter_6.pth'):
        check_checkpoint_complete(work / name)  # iter_4 written anew


def test_damaged_checkpoints_only_is_an_error(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'iter_2.pth').write_bytes(b'')
    (work / 'last_checkpoint').write_text(str(work / 'iter_2.pth'))
    runner = build_runner(tmp_path, 4, resume=True)
    with pytest.raises(IncompleteCheckpointError,
                       match='iter_2.pth: not a complete checkpoint .*0 '
                       'bytes.*no intact checkpoint to resume from'):
        runner.train()
    with pytest.raises(IncompleteCheckpointError, match='0 bytes'):
        runner.load_checkpoint(str(work / 'iter_2.pth'))
