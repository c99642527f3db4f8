"""VerifiedTwoStageDetector: mmdet's predictions until the verifier is
trained, then each detection rescored from its own crop."""
import copy
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from torchvision.ops import roi_align

from mmfacerfcn.testing.batches import make_batch
from mmfacerfcn.testing.configs import CONFIGS

SHAPES = [(128, 160), (112, 128)]
BOXES = [[[20.0, 24.0, 60.0, 72.0], [90.0, 30.0, 130.0, 80.0]],
         [[40.0, 40.0, 88.0, 96.0]]]
# Pictures shrunk and enlarged by the pipeline: rescaling is exercised.
SCALES = [(0.5, 0.5), (2.0, 1.6)]


def sample_model_cfg():
    return Config.fromfile(osp.join(CONFIGS,
                                    'face_rfcn_r18_wider-sample.py')).model


def build(cfg):
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg))
    model.init_weights()
    return model.eval()


@pytest.fixture(scope='module')
def batch():
    model = build(sample_model_cfg())
    data = make_batch(SHAPES, BOXES, scale_factors=SCALES)
    return model.data_preprocessor(data, False)


def predict(model, batch, rescale=True):
    with torch.no_grad():
        return model.predict(batch['inputs'],
                             copy.deepcopy(batch['data_samples']), rescale)


def test_untrained_verifier_leaves_mmdets_predictions(batch):
    model = build(sample_model_cfg())
    assert type(model).__name__ == 'VerifiedTwoStageDetector'
    assert not model.verifies
    # No part of the loss: frozen, or DDP would wait for its gradients.
    assert not any(p.requires_grad for p in model.verifier.parameters())
    assert all(p.requires_grad for p in model.rpn_head.parameters())
    plain_cfg = sample_model_cfg()
    plain_cfg.type = 'TwoStageDetector'
    plain_cfg.pop('verifier')
    plain = build(plain_cfg)
    missing = plain.load_state_dict(model.state_dict(), strict=False)
    assert not missing.missing_keys
    assert all(k.startswith('verifier.') for k in missing.unexpected_keys)
    for got, want in zip(predict(model, batch), predict(plain, batch)):
        assert len(want.pred_instances) > 0
        assert torch.equal(got.pred_instances.bboxes,
                           want.pred_instances.bboxes)
        assert torch.equal(got.pred_instances.scores,
                           want.pred_instances.scores)


def test_trained_verifier_rescores_each_detection_from_its_crop(batch):
    model = build(sample_model_cfg())
    before = predict(model, batch)
    model.verifier.fitted.fill_(True)
    after = predict(model, batch)
    verifier = model.verifier
    grey = model.grey_inputs(batch['inputs'])
    for index, (old, new) in enumerate(zip(before, after)):
        old, new = old.pred_instances, new.pred_instances
        assert len(new) == len(old) > 0
        # Sorted by the new score, the same boxes.
        assert torch.all(new.scores[:-1] >= new.scores[1:])
        order = [int((old.bboxes == box).all(1).nonzero()[0])
                 for box in new.bboxes]
        assert sorted(order) == list(range(len(old)))
        # Independent crops: torchvision's RoIAlign on the squared boxes in
        # input pixels (original pixels times the scale factor).
        sx, sy = SCALES[index]
        boxes = old.bboxes[order] * torch.tensor([sx, sy, sx, sy])
        centre = (boxes[:, :2] + boxes[:, 2:]) / 2
        half = (boxes[:, 2:] - boxes[:, :2]).amax(1, keepdim=True) / 2
        squares = torch.cat([torch.full((len(boxes), 1), float(index)),
                             centre - half, centre + half], 1)
        inside = ((squares[:, 1:3] >= 0).all(1) &
                  (squares[:, 3] <= grey.shape[3]) &
                  (squares[:, 4] <= grey.shape[2]))
        assert inside.any()
        crops = roi_align(grey, squares[inside], 32, 1., 1, aligned=True)
        crops = (crops - crops.mean((2, 3), keepdim=True)) / (
            crops.std((2, 3), keepdim=True) + 1e-6)
        with torch.no_grad():
            probs = verifier(crops).sigmoid()
        want = old.scores[order][inside]**0.25 * probs**0.75
        assert torch.allclose(new.scores[inside], want, atol=1e-4)


def test_rescaled_and_input_pixel_predictions_agree(batch):
    model = build(sample_model_cfg())
    model.verifier.fitted.fill_(True)
    for index, (orig, inp) in enumerate(zip(
            predict(model, batch), predict(model, batch, rescale=False))):
        sx, sy = SCALES[index]
        scale = torch.tensor([sx, sy, sx, sy])
        assert torch.allclose(orig.pred_instances.bboxes * scale,
                              inp.pred_instances.bboxes, atol=1e-3)
        assert torch.allclose(orig.pred_instances.scores,
                              inp.pred_instances.scores, atol=1e-5)


def test_without_verifier_config_it_is_mmdets_detector(batch):
    cfg = sample_model_cfg()
    cfg.verifier = None
    model = build(cfg)
    assert model.verifier is None and not model.verifies
    assert not any(k.startswith('verifier.') for k in model.state_dict())
    assert len(predict(model, batch)[0].pred_instances) > 0
