"""Checkpoint files: a cut-off file is named in one sentence, writes are
atomic, and resume finds the newest intact checkpoint."""
import os

import pytest
import torch

from mmfacerfcn.utils.checkpoint_files import (
    IncompleteCheckpointError,
    check_checkpoint_complete,
    exit_unless_checkpoint_complete,
    newest_intact_checkpoint,
    write_text_atomic,
)


def save(path, value=1.0):
    torch.save({'state_dict': {'w': torch.full((64, ), value)},
                'meta': {'iter': int(value)}}, path)
    return path


def cut(path, size):
    path.write_bytes(path.read_bytes()[:size])


def test_whole_checkpoint_passes(tmp_path):
    check_checkpoint_complete(save(tmp_path / 'a.pth'))
    # torch's pre-1.6 format (a plain pickle) is left to torch's loader
    legacy = tmp_path / 'legacy.pth'
    torch.save({'w': torch.ones(2)}, legacy,
               _use_new_zipfile_serialization=False)
    check_checkpoint_complete(legacy)
    # not local or not there: the loader's own error names it
    check_checkpoint_complete('https://example.org/a.pth')
    check_checkpoint_complete(tmp_path / 'missing.pth')


# How much of the file is left: killed at the start, in the zip magic, in the
# first member's header, halfway, before the last byte.
CUTS = {'empty': lambda n: 0, 'magic': lambda n: 2, 'header': lambda n: 30,
        'half': lambda n: n // 2, 'last byte': lambda n: n - 1}


@pytest.mark.parametrize('keep', CUTS.values(), ids=CUTS.keys())
def test_cut_off_checkpoint_is_named(tmp_path, keep):
    path = save(tmp_path / 'a.pth')
    size = keep(os.path.getsize(path))
    cut(path, size)
    with pytest.raises(IncompleteCheckpointError) as err:
        check_checkpoint_complete(path)
    assert str(err.value).startswith(
        f'{path}: not a complete checkpoint (truncated or empty file, '
        f'{size} bytes)')
    # what torch itself says about it: no file name
    with pytest.raises(Exception) as raw:
        torch.load(path, weights_only=True)
    assert str(path) not in str(raw.value)
    with pytest.raises(SystemExit, match=f'^error: {path}: not a complete'):
        exit_unless_checkpoint_complete(path)


def test_write_text_atomic_leaves_no_temporary(tmp_path):
    path = tmp_path / 'last_checkpoint'
    write_text_atomic(path, 'a')
    write_text_atomic(path, 'b')
    assert path.read_text() == 'b'
    assert os.listdir(tmp_path) == ['last_checkpoint']


def test_newest_intact_checkpoint(tmp_path):
    assert newest_intact_checkpoint(tmp_path) == (None, [])
    for step in (2, 4, 6):
        save(tmp_path / f'iter_{step}.pth', step)
    save(tmp_path / 'best_hard_iter_8.pth')  # not a step checkpoint
    save(tmp_path / 'iter_8.pth.tmp')  # a write that never finished
    # no last_checkpoint (killed before it was written): the newest file
    assert newest_intact_checkpoint(tmp_path) == (
        str(tmp_path / 'iter_6.pth'), [])

    pointer = tmp_path / 'last_checkpoint'
    pointer.write_text(str(tmp_path / 'iter_4.pth'))
    assert newest_intact_checkpoint(tmp_path) == (
        str(tmp_path / 'iter_4.pth'), [])  # as mmengine: what it names

    cut(tmp_path / 'iter_6.pth', 100)
    cut(tmp_path / 'iter_4.pth', 0)
    pointer.write_text(str(tmp_path / 'iter_6.pth'))
    found, passed_over = newest_intact_checkpoint(tmp_path)
    assert found == str(tmp_path / 'iter_2.pth')
    assert passed_over == [
        f'{tmp_path}/iter_6.pth: not a complete checkpoint (truncated or '
        f'empty file, 100 bytes) (named by {pointer})',
        f'{tmp_path}/iter_4.pth: not a complete checkpoint (truncated or '
        'empty file, 0 bytes)']

    # mmengine 0.10.7 with max_keep_ckpts=1, killed mid-save: the pointer
    # names a deleted file
    pointer.write_text(str(tmp_path / 'iter_10.pth'))
    found, passed_over = newest_intact_checkpoint(tmp_path)
    assert found == str(tmp_path / 'iter_2.pth')
    assert passed_over[0] == (f'{tmp_path}/iter_10.pth: not found (named by '
                              f'{pointer})')

    (tmp_path / 'iter_2.pth').unlink()
    found, passed_over = newest_intact_checkpoint(tmp_path)
    assert found is None and len(passed_over) == 3
