"""configs/benchmarks: the R101 training-memory config runs and records memory.

The real run (WIDER scale on a GPU) is for the device machine; here the same
config trains for two short epochs on a 4-image sample at a small scale, which
goes through everything but the image size.
"""
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

from mmfacerfcn.engine import MemoryUsageHook
from mmfacerfcn.testing.configs import CONFIGS
from mmfacerfcn.testing.sample_data import make_small_wider

MEMORY_CONFIG = osp.join(CONFIGS, 'benchmarks',
                         'face_rfcn_r101_memory_wider-sample.py')


def test_memory_config_is_the_r101_model_at_wider_scale():
    cfg = Config.fromfile(MEMORY_CONFIG)
    assert cfg.model.backbone.depth == 101
    assert cfg.model.backbone.init_cfg is None  # nothing to download
    assert cfg.model.roi_head.shared_head.init_cfg is None
    assert cfg.train_dataloader.batch_size == 2
    resize = [t for t in cfg.train_pipeline if 'Resize' in t['type']]
    assert [min(s) for s in resize[0]['scales']] == [1024, 1200]
    assert cfg.train_cfg.type == 'EpochBasedTrainLoop'
    assert cfg.val_cfg is None and cfg.default_hooks.checkpoint is None


def test_memory_config_trains_and_records_each_epoch(tmp_path, monkeypatch):
    make_small_wider(str(tmp_path / 'data' / 'wider_sample'), num_train=4,
                     num_val=1)
    monkeypatch.chdir(tmp_path)  # the config's data/wider_sample/ resolves
    cfg = Config.fromfile(MEMORY_CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg.max_epochs = 2
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] == 'RandomChoiceResize':
            step['scales'] = [(320, 256)]  # CPU: small images, same path
    runner = Runner.from_cfg(cfg)
    hooks = [h for h in runner.hooks if isinstance(h, MemoryUsageHook)]
    assert len(hooks) == 1
    runner.train()
    # 4 images, batch 2: 2 iterations per epoch, one record per epoch.
    assert [r['iter'] for r in hooks[0].records] == [2, 4]
    assert all(r['rss_mib'] > 0 for r in hooks[0].records)
    assert set(hooks[0].growth) == {'rss_mib'}  # CUDA reserved: on a GPU
    assert runner.iter == 4
    assert not list((tmp_path / 'work').glob('*.pth'))  # no checkpoint
