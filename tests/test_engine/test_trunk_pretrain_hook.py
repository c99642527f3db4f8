"""TrunkPretrainHook: the backbone (and only it, or the modules named)
learns face / background crops of the training set before the first
iteration; hard negatives are the candidates scored most face-like; resumed or
loaded weights are left alone."""
import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmdet.registry import DATASETS, MODELS
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from torch.nn.modules.batchnorm import _BatchNorm

from mmfacerfcn.engine.hooks import TrunkPretrainHook
from mmfacerfcn.testing.configs import small_model_cfg, tiny_runner_cfg


def fake_runner(tmp_path, iteration=0, load_from=None, norm_eval=False,
                frozen_stages=-1):
    cfg = tiny_runner_cfg(tmp_path, max_iters=1)
    torch.manual_seed(0)
    model_cfg = small_model_cfg()
    model_cfg.backbone.norm_eval = norm_eval
    model_cfg.backbone.frozen_stages = frozen_stages
    model_cfg.roi_head.shared_head.norm_eval = norm_eval
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.train()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return SimpleNamespace(
        iter=iteration, _load_from=load_from, model=model, seed=0,
        train_dataloader=SimpleNamespace(dataset=dataset),
        logger=MMLogger.get_current_instance())


def state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def test_backbone_learns_the_crops_and_nothing_else_changes(tmp_path):
    runner = fake_runner(tmp_path)
    before = state(runner.model)
    hook = TrunkPretrainHook(steps=40, batch_size=16, crop_size=32,
                             log_interval=10, modules=('backbone', ))
    hook.before_train(runner)
    after = state(runner.model)
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith('backbone.') for k in changed)
    assert any(k.endswith('running_mean') for k in changed)  # BN statistics
    # The painted squares are easy: the classifier learns them.
    loss, acc = hook.history['loss'], hook.history['acc']
    assert sum(loss[-10:]) < sum(loss[:10]) / 2
    assert sum(acc[-10:]) / 10 >= 0.9
    assert runner.model.backbone.training  # its mode is restored


def test_frozen_bn_statistics_are_learned_on_the_crops(tmp_path):
    """A trunk whose BN is frozen in detection training (``norm_eval``)
    learns its BN statistics in the pretraining, then has them frozen again."""
    runner = fake_runner(tmp_path, norm_eval=True)
    norms = {name: m for name, m in runner.model.named_modules()
             if isinstance(m, _BatchNorm) and name.startswith(
                 ('backbone.', 'roi_head.shared_head.'))}
    assert norms and not any(m.training for m in norms.values())
    before = {name: m.running_var.clone() for name, m in norms.items()}
    TrunkPretrainHook(steps=3, batch_size=8, crop_size=32,
                      hard_negatives=8).before_train(runner)
    unmoved = [name for name, m in norms.items()
               if torch.equal(before[name], m.running_var)]
    assert not unmoved, unmoved
    assert not any(m.training for m in norms.values())
    assert runner.model.backbone.training


def test_frozen_stages_are_pretrained_then_frozen_again(tmp_path):
    """The stem and layer1, which detection training freezes
    (``frozen_stages=1``), learn on the crops (nothing else trains them),
    also when hard-negative mining puts the trunk back in train mode
    between steps (mmdet's ResNet freezes them again at every ``train()``);
    then they are frozen again."""
    runner = fake_runner(tmp_path, frozen_stages=1)
    backbone = runner.model.backbone
    frozen = {name for name, p in backbone.named_parameters()
              if not p.requires_grad}
    assert frozen and all(name.startswith(('conv1', 'bn1', 'layer1.'))
                          for name in frozen)
    before = state(backbone)
    TrunkPretrainHook(steps=3, batch_size=8, crop_size=32,
                      hard_negatives=8).before_train(runner)
    after = state(backbone)
    assert not torch.equal(before['conv1.weight'], after['conv1.weight'])
    assert not torch.equal(before['layer1.1.conv2.weight'],
                           after['layer1.1.conv2.weight'])
    assert {name for name, p in backbone.named_parameters()
            if not p.requires_grad} == frozen
    assert not backbone.layer1.training and backbone.layer2.training

@pytest.mark.parametrize('iteration, load_from', [(5, None), (0, 'w.pth')])
def test_resumed_or_loaded_weights_are_left_alone(tmp_path, iteration,
                                                  load_from):
    runner = fake_runner(tmp_path, iteration, load_from)
    before = state(runner.model)
    hook = TrunkPretrainHook(steps=5, batch_size=4, crop_size=32)
    hook.before_train(runner)
    assert hook.history is None
    after = state(runner.model)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_runs_in_a_runner_before_the_first_iteration(tmp_path):
    cfg = tiny_runner_cfg(tmp_path, max_iters=1)
    cfg.custom_hooks = cfg.custom_hooks + [
        dict(type='TrunkPretrainHook', steps=4, batch_size=4, crop_size=32,
             log_interval=2)]
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, TrunkPretrainHook))
    assert len(hook.history['loss']) == 4
    assert runner.iter == 1


@pytest.mark.parametrize('modules',
                         [None, ('backbone', 'roi_head.shared_head')])
def test_res5_in_the_roi_head_is_pretrained_with_the_backbone(
        tmp_path, modules):
    # By default (None) the whole trunk: the backbone, then the shared head.
    runner = fake_runner(tmp_path)
    before = state(runner.model)
    hook = TrunkPretrainHook(steps=3, batch_size=4, crop_size=32,
                             modules=modules)
    runner.model.roi_head.eval()
    hook.before_train(runner)
    after = state(runner.model)
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert any(k.startswith('backbone.') for k in changed)
    assert any(k.startswith('roi_head.shared_head.') for k in changed)
    assert all(k.startswith(('backbone.', 'roi_head.shared_head.'))
               for k in changed)
    # Each module's mode is put back as it was.
    assert runner.model.backbone.training
    assert not runner.model.roi_head.shared_head.training


class _Crops:
    """Background candidates whose grey value counts up: 1, 2, 3, ..."""

    def __init__(self):
        self.drawn = 0

    def background_crop(self):
        self.drawn += 1
        return np.full((4, 4, 3), self.drawn, dtype=np.uint8)


def test_hard_negatives_are_the_most_face_like_candidates():
    # A classifier whose face margin is the crop's mean value: the hardest
    # of 10 candidates valued 1..10 are 10, 9, ... in that order.
    hook = TrunkPretrainHook(hard_negatives=10)
    crops = np.zeros((8, 4, 4, 3), dtype=np.uint8)
    crops[:] = 200 + np.arange(8)[:, None, None, None]
    labels = np.array([1, 0, 0, 1, 0, 0, 0, 0])

    def prepare(batch, augment):
        assert not augment
        return torch.from_numpy(batch).float()

    def features(x):
        return x.mean((1, 2, 3))[:, None]

    head = torch.nn.Linear(1, 2)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[0.], [1.]]))
        head.bias.zero_()
    trunk = torch.nn.BatchNorm2d(3)
    mined = hook._mine(crops, labels, _Crops(), trunk, head, features,
                       prepare)
    # Half of the 6 background slots (the first 3) get 10, 9, 8; the faces
    # and the other background crops are kept; the trunk is back in train
    # mode and the input is not modified.
    assert [mined[i, 0, 0, 0] for i in (1, 2, 4)] == [10, 9, 8]
    for i in (0, 3, 5, 6, 7):
        assert (mined[i] == 200 + i).all()
    assert trunk.training
    assert (crops[1] == 201).all()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='steps'):
        TrunkPretrainHook(steps=0)
    with pytest.raises(ValueError, match='modules'):
        TrunkPretrainHook(modules=())
    with pytest.raises(ValueError, match='hard_negatives'):
        TrunkPretrainHook(hard_negatives=-1)
