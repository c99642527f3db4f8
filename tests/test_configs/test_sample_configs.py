"""The embedded-sample configs: Face R-FCN R18 (half width) and its Faster
R-CNN R18-DC5 baseline build, train one step and predict; the baseline differs
only in the RoI stage (res5 in the trunk, and the RPN on it, as in mmdet's DC5
configs)."""
import copy
import os.path as osp

import pytest
import torch
from mmdet.registry import HOOKS, MODELS
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from torch.nn.modules.batchnorm import _BatchNorm

from mmfacerfcn.testing.batches import train_step_and_predict
from mmfacerfcn.testing.configs import CONFIGS

RFCN = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
FRCNN = osp.join(CONFIGS, 'faster_rcnn', 'faster_rcnn_r18_dc5_wider-sample.py')
NO_RES5 = osp.join(CONFIGS, 'ablations',
                   'face_rfcn_r18_no-res5_wider-sample.py')
SINGLE = osp.join(CONFIGS, 'ablations',
                  'face_rfcn_r18_verifier-single_wider-sample.py')


def build(path):
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(Config.fromfile(path).model))
    model.init_weights()
    return model


@pytest.mark.parametrize('path', [RFCN, FRCNN, NO_RES5], ids=osp.basename)
def test_builds_trains_one_step_and_predicts(path):
    train_step_and_predict(build(path))


@pytest.mark.parametrize('path', [RFCN, FRCNN, NO_RES5], ids=osp.basename)
def test_bn_statistics_come_from_pretraining_and_stay(path):
    """Batches of 2 pictures give poor BN statistics: the sample configs
    learn them on TrunkPretrainHook's crops and freeze them for detection
    (a training forward leaves them as they are)."""
    assert any(h['type'] == 'TrunkPretrainHook'
               for h in Config.fromfile(path).custom_hooks)
    model = build(path).train()
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert norms and not any(m.training for m in norms)
    before = [m.running_mean.clone() for m in norms]
    x = torch.rand(2, 3, 64, 96)
    feats = model.backbone(x)
    if model.roi_head.with_shared_head:
        model.roi_head.shared_head(feats[-1])
    assert all(torch.equal(b, m.running_mean) for b, m in zip(before, norms))


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
    # res5 in the backbone, dilated instead of strided (stride 16 overall),
    # the same stage as R-FCN's res5, which runs in its RoI head.
    res5 = model.backbone.layer4
    assert res5[0].conv1.stride == (1, 1) and res5[0].conv1.dilation == (2, 2)
    rfcn_res5 = build(RFCN).roi_head.shared_head.layer4
    assert [p.shape for p in res5.parameters()] == [
        p.shape for p in rfcn_res5.parameters()]
    x = torch.zeros(1, 3, 64, 96)
    assert model.backbone(x)[-1].shape[1:] == (256, 4, 6)


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


def test_the_default_verifier_is_an_ensemble_and_the_ablation_one_cnn():
    base, single = (Config.fromfile(p) for p in (RFCN, SINGLE))
    assert base.model.verifier.num_members == 3
    assert len(build(RFCN).verifier.members) == 3
    assert single.model.verifier.num_members == 1
    single.model.verifier.pop('num_members')
    base.model.verifier.pop('num_members')
    assert single.model.to_dict() == base.model.to_dict()
    assert single.custom_hooks == base.custom_hooks
    verifier = build(SINGLE).verifier
    assert verifier.num_members == 1 and not hasattr(verifier, 'members')


@pytest.mark.parametrize('name, option, value', [
    ('face_rfcn_r18_verifier-neg-iou-0.3_wider-sample.py', 'neg_iou', 0.3),
    ('face_rfcn_r18_verifier-turned-faces_wider-sample.py', 'turned_faces',
     True),
])
def test_verifier_ablations_change_one_option_of_its_training(
        name, option, value):
    base = Config.fromfile(RFCN)
    ablation = Config.fromfile(osp.join(CONFIGS, 'ablations', name))
    assert ablation.model == base.model
    hooks = [HOOKS.build(copy.deepcopy(h)) for h in ablation.custom_hooks
             if h['type'] == 'CropVerifierTrainHook']
    assert len(hooks) == 1 and getattr(hooks[0], option) == value
    # Every other option of the hook is the base config's.
    ablation_hook, = [h for h in ablation.custom_hooks
                      if h['type'] == 'CropVerifierTrainHook']
    base_hook, = [h for h in base.custom_hooks
                  if h['type'] == 'CropVerifierTrainHook']
    assert getattr(HOOKS.build(copy.deepcopy(base_hook)), option) != value
    assert dict(ablation_hook, **{option: None}) == dict(base_hook,
                                                         **{option: None})
    assert [h for h in ablation.custom_hooks
            if h['type'] != 'CropVerifierTrainHook'] == [
                h for h in base.custom_hooks
                if h['type'] != 'CropVerifierTrainHook']
    assert [h['type'] for h in ablation.custom_hooks] == [
        h['type'] for h in base.custom_hooks]


def test_sample_trunk_is_resnet18_at_half_width_with_dilated_res5():
    model = build(RFCN)
    x = torch.zeros(1, 3, 64, 96)
    conv4 = model.backbone(x)[-1]
    assert conv4.shape == (1, 128, 4, 6)
    res5 = model.roi_head.shared_head
    assert res5.layer4[0].conv1.stride == (1, 1)
    assert res5.layer4[0].conv1.dilation == (2, 2)
    assert res5(conv4).shape == (1, 256, 4, 6)
    assert model.roi_head.bbox_head.reduce.in_channels == 256
    assert model.rpn_head.rpn_conv.in_channels == 128


def test_no_res5_ablation_drops_res5_and_trains_longer():
    base, ablation = Config.fromfile(RFCN), Config.fromfile(NO_RES5)
    for key in ('train_dataloader', 'val_dataloader', 'optim_wrapper',
                'randomness'):
        assert ablation[key] == base[key], key
    assert ablation.model.rpn_head == base.model.rpn_head
    assert ablation.model.train_cfg == base.model.train_cfg
    assert ablation.model.backbone == base.model.backbone
    model = build(NO_RES5)
    assert not model.roi_head.with_shared_head
    # The score maps read conv4's 128 channels.
    assert model.roi_head.bbox_head.reduce.in_channels == 128
    assert ablation.train_cfg.max_iters > base.train_cfg.max_iters
    assert ablation.param_scheduler[1].milestones == [
        int(0.8 * ablation.train_cfg.max_iters)]
    switch = [h for h in ablation.custom_hooks
              if h['type'] == 'RoISamplerSwitchHook']
    assert switch[0]['switch_iter'] == ablation.train_cfg.max_iters // 2


@pytest.mark.parametrize('path', [RFCN, FRCNN, NO_RES5], ids=osp.basename)
def test_pretrained_trunk_learns_at_a_tenth_of_the_heads_rate(path):
    """TrunkPretrainHook pretrains the trunk (the backbone, and res5 where
    the RoI head holds it); detection training at the heads' rate overwrote
    what it had learned (README). The built optimiser gives the trunk's
    parameters a tenth of the heads' learning rate."""
    cfg = Config.fromfile(path)
    model = build(path)
    wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    rates = {id(p): group['lr'] for group in wrapper.optimizer.param_groups
             for p in group['params']}
    base = cfg.optim_wrapper.optimizer.lr
    trunk = ('backbone.', 'roi_head.shared_head.')
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert any(n.startswith(trunk) for n in names)
    assert any(not n.startswith(trunk) for n in names)
    for name, param in model.named_parameters():
        if not param.requires_grad:  # the crop verifier: its own hook
            assert name not in names and id(param) not in rates, name
            continue
        expected = base * (0.1 if name.startswith(trunk) else 1.0)
        assert rates[id(param)] == pytest.approx(expected), name
