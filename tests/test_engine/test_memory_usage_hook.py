"""MemoryUsageHook: memory stays flat over epochs; a leak is reported."""
import mmap

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmfacerfcn.engine import MemoryUsageHook
from mmfacerfcn.testing.configs import tiny_runner_cfg
from mmfacerfcn.utils.memory import peak_rss_mib, release_freed_memory, rss_mib


class LeakHook(Hook):
    """Keeps 100 MiB more after every epoch, as a leaking dataset would.

    Large against the RSS noise of a short run: the other allocations of the
    process moved by up to 80 MiB between the first and last record in CI.
    """

    def __init__(self):
        self.kept = []

    def after_train_epoch(self, runner):
        self.kept.append(torch.ones(25 * 2**20).add_(1))  # touched: resident


def train_epochs(tmp_path, epochs, extra_hooks=()):
    cfg = tiny_runner_cfg(tmp_path, max_epochs=epochs)
    cfg.default_hooks.checkpoint = None
    runner = Runner.from_cfg(cfg)
    hook = MemoryUsageHook(max_growth_mib=150)
    runner.register_hook(hook)
    for extra in extra_hooks:
        runner.register_hook(extra, priority='LOW')
    runner.train()
    return runner, hook


def test_rss_readings_see_an_allocation_and_its_release():
    # An anonymous mapping of its own, every page written: new resident pages
    # whatever the allocator kept from earlier tests (in CI a torch tensor of
    # this size was once served from memory that was already resident).
    size = 100 * 2**20
    before = rss_mib()
    block = mmap.mmap(-1, size)
    for offset in range(0, size, mmap.PAGESIZE):
        block[offset] = 1
    during = rss_mib()
    assert during - before > 80
    block.close()  # unmapped: the pages go back to the system
    assert rss_mib() < during - 80
    # the peak stays (the kernel syncs its counters lazily: a little slack)
    assert peak_rss_mib() > during - 5


def test_memory_is_flat_over_epochs_of_training(tmp_path):
    runner, hook = train_epochs(tmp_path, epochs=6)
    assert [r['iter'] for r in hook.records] == [2, 4, 6, 8, 10, 12]
    assert all(r['rss_mib'] > 0 for r in hook.records)
    # Logged with each training line too.
    assert runner.message_hub.get_scalar('train/rss_mib').current() > 0
    assert abs(hook.growth['rss_mib']) < 150, hook.records  # leak test: > 300


def test_growing_memory_is_reported(tmp_path):
    leak = LeakHook()
    runner, hook = train_epochs(tmp_path, epochs=6, extra_hooks=[leak])
    assert len(leak.kept) == 6
    # Records 1..6 come after 0..5 leaked blocks: 5 x 100 MiB between them.
    assert hook.growth['rss_mib'] > 300, hook.records
    log = (tmp_path / 'work').glob('*/*.log')
    assert any('grew by' in p.read_text() for p in log)


def test_iteration_based_training_records_four_times(tmp_path):
    runner = Runner.from_cfg(tiny_runner_cfg(tmp_path, max_iters=8))
    hook = MemoryUsageHook()
    runner.register_hook(hook)
    runner.train()
    assert [r['iter'] for r in hook.records] == [2, 4, 6, 8]


def test_released_memory_leaves_what_is_still_allocated():
    # Many small blocks come from glibc's heap; one allocated after them pins
    # the heap's top, so freeing them lowers RSS only once trimmed.
    blocks = [torch.ones(4096) for _ in range(8000)]  # 8000 x 16 KiB
    pin = torch.ones(4096)
    full = rss_mib()
    del blocks
    freed = rss_mib()
    if not release_freed_memory():
        pytest.skip('not glibc, or glibc kept nothing to give back')
    trimmed = rss_mib()
    assert trimmed < freed - 80, (full, freed, trimmed)
    assert pin.sum() == 4096  # what is still allocated stays
