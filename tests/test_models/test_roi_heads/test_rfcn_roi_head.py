"""RFCNRoIHead: res5 and the score maps run once per batch, OHEM included."""
import copy
from collections import Counter

import pytest
import torch
from mmdet.registry import MODELS

from mmfacerfcn.testing.batches import make_batch
from mmfacerfcn.testing.configs import small_model_cfg

BOXES = [[[20.0, 24.0, 60.0, 72.0]], [[40.0, 40.0, 88.0, 96.0]]]
SHAPES = [(128, 160), (112, 128)]
OHEM = dict(num=128, pos_fraction=0.25, neg_pos_ub=3,
            add_gt_as_proposals=True)
SAMPLERS = {
    'random': dict(type='RandomSampler', **OHEM),
    # Face R-FCN's OHEM: scores every proposal through _bbox_forward.
    'ohem': dict(type='OHEMSampler', **OHEM),
    # R-FCN's OHEM: the same, top-B by classification + box loss.
    'rfcn_ohem': dict(type='RFCNOHEMSampler', num=128),
}


def counted_model(sampler):
    """The R18 model with the given RoI sampler and call counters on res5,
    the score maps and PS pooling."""
    cfg = copy.deepcopy(small_model_cfg())
    cfg.train_cfg.rcnn.sampler = sampler
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    calls = Counter()
    head = model.roi_head

    def count(name, module, method):
        original = getattr(module, method)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        setattr(module, method, wrapper)

    model.roi_head.shared_head.register_forward_hook(
        lambda _m, args, _out: calls.update(['res5']) or calls.update(
            {'res5_inputs': args[0].shape[0]}))
    count('score_maps', head.bbox_head, 'forward_score_maps')
    head.bbox_roi_extractor.register_forward_hook(
        lambda *_: calls.update(['ps_pool']))
    return model, calls


@pytest.mark.parametrize('sampler', sorted(SAMPLERS))
def test_res5_and_score_maps_run_once_per_batch_in_training(sampler):
    model, calls = counted_model(SAMPLERS[sampler])
    model.train()
    data = model.data_preprocessor(make_batch(SHAPES, BOXES), True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_cls'])
    # One pass over both images, whatever the sampler does with the RoIs.
    assert calls['res5'] == 1
    assert calls['res5_inputs'] == 2  # the images, not the RoIs (C4)
    assert calls['score_maps'] == 1
    # OHEM pools each image's proposals to rank them (mmdet samples image by
    # image, on that image's slice of the maps), then the kept RoIs of the
    # batch again for the loss: all from the same maps.
    assert calls['ps_pool'] == (1 if sampler == 'random' else len(SHAPES) + 1)


def test_res5_and_score_maps_run_once_per_batch_in_inference():
    model, calls = counted_model(SAMPLERS['ohem'])
    model.eval()
    data = model.data_preprocessor(make_batch(SHAPES, BOXES), False)
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert len(results) == 2
    assert calls == Counter(res5=1, res5_inputs=2, score_maps=1, ps_pool=1)

