"""RoISamplerSwitchHook: random RoI sampling first, OHEM from an iteration."""
import logging
from types import SimpleNamespace

import pytest
import torch
from mmdet.models.task_modules.samplers import OHEMSampler, RandomSampler
from mmdet.registry import MODELS

from mmfacerfcn.engine.hooks import RoISamplerSwitchHook
from mmfacerfcn.testing.batches import train_step_and_predict
from mmfacerfcn.testing.configs import small_model_cfg

OHEM = dict(type='OHEMSampler', num=16, pos_fraction=0.25, neg_pos_ub=3,
            add_gt_as_proposals=True)


@pytest.fixture
def model():
    cfg = small_model_cfg()
    cfg.train_cfg.rcnn.sampler = dict(
        type='RandomSampler', num=16, pos_fraction=0.25, neg_pos_ub=3,
        add_gt_as_proposals=True)
    torch.manual_seed(0)
    m = MODELS.build(cfg)
    m.init_weights()
    return m


def runner_at(model, it):
    return SimpleNamespace(iter=it, model=model,
                           logger=logging.getLogger('test'))


def test_switches_at_the_iteration_and_only_once(model):
    hook = RoISamplerSwitchHook(switch_iter=3, sampler=OHEM)
    for it in range(3):
        hook.before_train_iter(runner_at(model, it), it)
        assert type(model.roi_head.bbox_sampler) is RandomSampler
    hook.before_train_iter(runner_at(model, 3), 3)
    sampler = model.roi_head.bbox_sampler
    assert type(sampler) is OHEMSampler and sampler.context is model.roi_head
    assert sampler.num == 16 and sampler.neg_pos_ub == 3
    hook.before_train_iter(runner_at(model, 4), 4)
    assert model.roi_head.bbox_sampler is sampler  # not rebuilt

    # The switched model trains: OHEM scores RoIs with the head's forward.
    train_step_and_predict(model)


def test_resumed_past_the_switch(model):
    hook = RoISamplerSwitchHook(switch_iter=3, sampler=OHEM)
    hook.before_train_iter(runner_at(model, 10), 0)
    assert type(model.roi_head.bbox_sampler) is OHEMSampler


def test_negative_iteration_is_refused():
    with pytest.raises(ValueError, match='switch_iter'):
        RoISamplerSwitchHook(switch_iter=-1, sampler=OHEM)
