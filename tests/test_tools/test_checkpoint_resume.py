"""mmengine checkpoints save and resume on torch 2.14 (weights_only=True)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmfacerfcn.testing.batches import CONFIGS, write_tiny_coco


def tiny_runner_cfg(tmp_path, max_iters):
    ann_file = write_tiny_coco(str(tmp_path / 'data'))
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_/models/face_rfcn_r18.py'))
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='PackDetInputs'),
    ]
    cfg.merge_from_dict(dict(
        default_scope='mmdet',
        work_dir=str(tmp_path / 'work'),
        train_dataloader=dict(
            batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='CocoDataset', data_root=str(tmp_path / 'data'),
                         ann_file=ann_file, data_prefix=dict(img='images/'),
                         metainfo=dict(classes=('face', )),
                         filter_cfg=dict(filter_empty_gt=False),
                         pipeline=pipeline)),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.005, momentum=0.9)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        log_processor=dict(by_epoch=False),
        custom_hooks=[dict(type='WeightsOnlyCheckpointHook')],
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
    ))
    return cfg


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
