"""The embedded-sample configs: Face R-FCN R18 and its Faster R-CNN R18-DC5
baseline build, train one step and predict; the baseline differs only in the
RoI stage (res5 in the trunk, and the RPN on it, as in mmdet's DC5 configs)."""
import copy
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config

from mmfacerfcn.testing.batches import train_step_and_predict
from mmfacerfcn.testing.configs import CONFIGS

RFCN = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
FRCNN = osp.join(CONFIGS, 'faster_rcnn', 'faster_rcnn_r18_dc5_wider-sample.py')
RES5 = osp.join(CONFIGS, 'ablations', 'face_rfcn_r18_res5_wider-sample.py')


def build(path):
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(Config.fromfile(path).model))
    model.init_weights()
    return model


@pytest.mark.parametrize('path', [RFCN, FRCNN, RES5], ids=osp.basename)
def test_builds_trains_one_step_and_predicts(path):
    train_step_and_predict(build(path))


def test_baseline_differs_only_in_the_roi_stage():
    rfcn, frcnn = Config.fromfile(RFCN), Config.fromfile(FRCNN)
    for key in ('train_dataloader', 'val_dataloader', 'train_cfg',
                'optim_wrapper', 'param_scheduler', 'randomness',
                'custom_hooks'):
        assert frcnn[key] == rfcn[key], key
    assert frcnn.model.train_cfg == rfcn.model.train_cfg
    assert frcnn.model.test_cfg == rfcn.model.test_cfg
    assert frcnn.model.data_preprocessor == rfcn.model.data_preprocessor

    model = build(FRCNN)
    assert type(model.roi_head).__name__ == 'StandardRoIHead'
    assert type(model.roi_head.bbox_head).__name__ == 'Shared2FCBBoxHead'
    assert not model.roi_head.with_shared_head
    assert model.roi_head.bbox_roi_extractor.roi_layers[0].output_size == (7, 7)
    # res5 in the backbone, dilated instead of strided (stride 16 overall).
    # The R-FCN sample has no res5: its score maps come from conv4.
    res5 = model.backbone.layer4[0]
    assert res5.conv1.stride == (1, 1) and res5.conv1.dilation == (2, 2)
    assert not build(RFCN).roi_head.with_shared_head
    x = torch.zeros(1, 3, 64, 96)
    assert model.backbone(x)[-1].shape[-2:] == (4, 6)


def test_sample_switches_to_ohem_half_way():
    base = Config.fromfile(RFCN)
    assert base.model.train_cfg.rcnn.sampler.type == 'RandomSampler'
    switch = [h for h in base.custom_hooks
              if h['type'] == 'RoISamplerSwitchHook']
    assert len(switch) == 1
    assert switch[0]['switch_iter'] == base.train_cfg.max_iters // 2
    assert switch[0]['sampler'] == dict(base.model.train_cfg.rcnn.sampler,
                                        type='OHEMSampler')


def test_random_sampler_ablation_only_drops_the_switch_to_ohem():
    base = Config.fromfile(RFCN)
    ablation = Config.fromfile(osp.join(
        CONFIGS, 'ablations', 'face_rfcn_r18_random-sampler_wider-sample.py'))
    assert ablation.model == base.model
    assert ablation.custom_hooks == [
        h for h in base.custom_hooks if h['type'] != 'RoISamplerSwitchHook']


def test_res5_ablation_adds_the_dilated_res5_and_nothing_else():
    base, ablation = Config.fromfile(RFCN), Config.fromfile(RES5)
    for key in ('train_dataloader', 'val_dataloader', 'optim_wrapper',
                'randomness', 'custom_hooks'):
        assert ablation[key] == base[key], key
    assert ablation.model.rpn_head == base.model.rpn_head
    assert ablation.model.train_cfg == base.model.train_cfg
    model = build(RES5)
    res5 = model.roi_head.shared_head.layer4[0]
    assert res5.conv1.stride == (1, 1) and res5.conv1.dilation == (2, 2)
    # The score maps read res5's 512 channels; the sample's read conv4's 256.
    x = torch.zeros(1, 256, 4, 6)
    assert model.roi_head.shared_head(x).shape == (1, 512, 4, 6)
    assert model.roi_head.bbox_head.reduce.in_channels == 512
    assert ablation.param_scheduler[1].milestones == [
        int(0.8 * ablation.train_cfg.max_iters)]
