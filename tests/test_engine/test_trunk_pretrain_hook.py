"""TrunkPretrainHook: the backbone (and only it) learns face / background
crops of the training set before the first iteration; resumed or loaded
weights are left alone."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmdet.registry import DATASETS, MODELS
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from mmfacerfcn.engine.hooks import TrunkPretrainHook
from mmfacerfcn.testing.batches import small_model_cfg, tiny_runner_cfg


def fake_runner(tmp_path, iteration=0, load_from=None):
    cfg = tiny_runner_cfg(tmp_path, max_iters=1)
    torch.manual_seed(0)
    model = MODELS.build(small_model_cfg())
    model.init_weights()
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
                             log_interval=10)
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


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='steps'):
        TrunkPretrainHook(steps=0)
