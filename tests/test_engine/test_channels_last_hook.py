"""ChannelsLastHook: the sample detector's parameters become channels-last in
place, and one training step's losses and gradients are NCHW training's.

The sample model with random weights; the RPN's and the RoI head's losses on
Grace Hopper's portrait at (320, 256), with the RoI head given fixed
proposals so that both layouts sample the same RoIs.
"""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmengine.structures import InstanceData

from mmfacerfcn.engine import ChannelsLastHook
from mmfacerfcn.testing.benchmark import (
    build_random_model,
    random_boxes,
    train_batch,
)


@pytest.fixture(scope='module')
def detector(cfg):
    torch.manual_seed(0)
    return build_random_model(cfg, 'cpu')


def four_d_params(model):
    """Convolution weights whose two layouts differ (not 1x1, not 1 input
    channel: those are both at once)."""
    return [p for p in model.parameters()
            if p.dim() == 4 and p.shape[1] > 1 and p.shape[2:].numel() > 1]


def test_parameters_turn_channels_last_in_place(detector):
    model = copy.deepcopy(detector)
    before = {name: p for name, p in model.named_parameters()}
    # The crop verifier stores its weights channels-last from __init__; the
    # rest of the detector starts NCHW.
    four_d = {id(p) for p in four_d_params(model)}
    detector_params = [
        p for name, p in model.named_parameters()
        if not name.startswith('verifier.') and id(p) in four_d]
    assert len(detector_params) >= 15
    assert not any(p.is_contiguous(memory_format=torch.channels_last)
                   for p in detector_params)
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    assert len(four_d_params(model)) >= 20
    assert all(p.is_contiguous(memory_format=torch.channels_last)
               for p in four_d_params(model))
    # The same Parameter objects: an optimizer built before still has them.
    assert all(p is before[name] for name, p in model.named_parameters())


def losses_and_grads(model, data):
    """RPN and RoI-head losses of one training batch, and every gradient."""
    model.train()
    model.zero_grad()
    batch = model.data_preprocessor(train_batch(data, batch_size=2), True)
    samples = batch['data_samples']
    h, w = samples[0].metainfo['img_shape']
    proposals = []
    for i, sample in enumerate(samples):
        boxes = torch.cat([
            sample.gt_instances.bboxes + 3.,
            random_boxes(60, h, w, torch.Generator().manual_seed(i))
        ])
        proposals.append(InstanceData(bboxes=boxes,
                                      scores=torch.ones(len(boxes)),
                                      labels=torch.zeros(len(boxes),
                                                         dtype=torch.long)))
    torch.manual_seed(1)  # the samplers draw the same in both layouts
    feats = model.extract_feat(batch['inputs'])
    losses = dict(model.rpn_head.loss(feats, copy.deepcopy(samples)))
    losses.update(model.roi_head.loss(feats, proposals, samples))
    loss, parsed = model.parse_losses(losses)
    loss.backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()
             if p.grad is not None}
    return parsed, grads


def test_one_training_step_as_in_nchw(detector, data):
    want_losses, want_grads = losses_and_grads(copy.deepcopy(detector), data)
    model = copy.deepcopy(detector)
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    got_losses, got_grads = losses_and_grads(model, data)
    assert set(got_losses) == set(want_losses)
    assert float(want_losses['loss_cls'].detach()) > 0
    for key, value in want_losses.items():
        assert torch.allclose(got_losses[key], value, rtol=1e-4,
                              atol=1e-6), key
    # Every trained part gets its gradient: trunk, res5, RPN, score maps.
    assert set(got_grads) == set(want_grads)
    assert {'backbone.conv1.weight', 'rpn_head.rpn_conv.weight'} <= set(
        want_grads)
    assert any(n.startswith('roi_head.shared_head') for n in want_grads)
    assert any(n.startswith('roi_head.bbox_head') for n in want_grads)
    for name, want in want_grads.items():
        got = got_grads[name]
        scale = float(want.abs().max())
        assert torch.allclose(got, want, rtol=0,
                              atol=1e-4 * max(scale, 1e-8)), name
