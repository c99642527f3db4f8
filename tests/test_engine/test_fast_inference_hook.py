"""Conv+BN fusion and channels-last leave a detector's detections unchanged.

The sample model with random weights that detect plenty (see
:mod:`mmfacerfcn.testing.onnx_files`) and every BatchNorm's statistics and
affine parameters drawn at random, so that folding them is not a no-op, on
Grace Hopper's portrait at test scale (320, 256).
"""
import copy
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from mmfacerfcn.engine import FastInferenceHook, prepare_for_inference
from mmfacerfcn.testing.detections import assert_same_detections
from mmfacerfcn.testing.onnx_files import spread_score_detector


@pytest.fixture(scope='module')
def detector(cfg):
    model = spread_score_detector(cfg)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.running_mean.copy_(torch.randn(n, generator=gen) * .1)
                module.running_var.copy_(torch.rand(n, generator=gen) + .5)
                module.weight.copy_(torch.rand(n, generator=gen) + .5)
                module.bias.copy_(torch.randn(n, generator=gen) * .1)
    return model


def detections(model, data):
    with torch.no_grad():
        batch = model.data_preprocessor(copy.deepcopy(data), False)
        return model.predict(batch['inputs'], batch['data_samples'])[0]


def count(model, kind):
    return sum(isinstance(m, kind) for m in model.modules())


@pytest.mark.parametrize('fuse,channels_last', [(True, False), (False, True),
                                                 (True, True)])
def test_same_detections(detector, data, fuse, channels_last):
    expected = detections(detector, data).pred_instances
    model = prepare_for_inference(copy.deepcopy(detector), fuse,
                                  channels_last)
    if fuse:
        assert count(detector, nn.BatchNorm2d) >= 20
        assert count(model, nn.BatchNorm2d) == 0
    if channels_last:
        conv = model.backbone.conv1
        assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    actual = detections(model, data).pred_instances
    assert len(expected.scores) >= 20
    assert_same_detections(actual, expected)


def test_features_as_before_fusion(detector, data):
    batch = detector.data_preprocessor(copy.deepcopy(data), False)
    fused = prepare_for_inference(copy.deepcopy(detector), fuse=True)
    with torch.no_grad():
        expected = detector.extract_feat(batch['inputs'])
        actual = fused.extract_feat(batch['inputs'])
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e, rtol=1e-4, atol=1e-4)
        # not a trivial case: BN moved the features away from zero
        assert e.abs().mean() > 1e-2


def test_hook_applies_after_loading(detector):
    model = copy.deepcopy(detector).train()
    hook = FastInferenceHook(fuse=True, channels_last=True)
    hook.before_test(SimpleNamespace(model=model))
    assert not model.training
    assert count(model, nn.BatchNorm2d) == 0
