"""VerifiedTwoStageDetector: mmdet's predictions until the verifier is
trained, then each detection rescored from its own crop, before the RoI
head's NMS (the default) or after it."""
import copy
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from torchvision.ops import batched_nms, roi_align

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


def build(cfg, **kwargs):
    cfg = copy.deepcopy(cfg)
    cfg.update(kwargs)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
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


def reference_blend(model, grey, index, boxes, scores):
    """Blended scores of boxes (input pixels) of picture ``index``, with
    independent crops: torchvision's RoIAlign on the squared boxes, each
    crop standardised. Returns the scores and which squares lie inside the
    picture (the only ones torchvision and the verifier sample alike)."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]).amax(1, keepdim=True) / 2
    squares = torch.cat([torch.full((len(boxes), 1), float(index)),
                         centre - half, centre + half], 1)
    inside = ((squares[:, 1:3] >= 0).all(1) &
              (squares[:, 3] <= grey.shape[3]) &
              (squares[:, 4] <= grey.shape[2]))
    crops = roi_align(grey, squares, 32, 1., 1, aligned=True)
    crops = (crops - crops.mean((2, 3), keepdim=True)) / (
        crops.std((2, 3), keepdim=True) + 1e-6)
    with torch.no_grad():
        probs = model.verifier(crops).sigmoid()
    w = model.verifier.weight
    return scores**(1 - w) * probs**w, inside


def test_trained_verifier_rescores_each_detection_from_its_crop(batch):
    model = build(sample_model_cfg(), rescore_before_nms=False)
    before = predict(model, batch)
    model.verifier.fitted.fill_(True)
    after = predict(model, batch)
    grey = model.grey_inputs(batch['inputs'])
    for index, (old, new) in enumerate(zip(before, after)):
        old, new = old.pred_instances, new.pred_instances
        assert len(new) == len(old) > 0
        # Sorted by the new score, the same boxes.
        assert torch.all(new.scores[:-1] >= new.scores[1:])
        order = [int((old.bboxes == box).all(1).nonzero()[0])
                 for box in new.bboxes]
        assert sorted(order) == list(range(len(old)))
        # Crops in input pixels: original pixels times the scale factor.
        sx, sy = SCALES[index]
        boxes = old.bboxes[order] * torch.tensor([sx, sy, sx, sy])
        want, inside = reference_blend(model, grey, index, boxes,
                                       old.scores[order])
        assert inside.any()
        assert torch.allclose(new.scores[inside], want[inside], atol=1e-4)


def candidates_by_mmdet(cfg, batch):
    """mmdet's own detections with its NMS made a no-op (IoU above 1
    suppresses nothing) and no cap: the RoI head's candidates, input
    pixels."""
    plain = build(cfg)
    plain.roi_head.test_cfg.nms = dict(type='nms', iou_threshold=1.0)
    plain.roi_head.test_cfg.max_per_img = 10**6
    return [s.pred_instances for s in predict(plain, batch, rescale=False)]


def sort_rows(boxes, scores):
    rows = torch.cat([boxes, scores[:, None]], 1)
    for column in (4, 3, 2, 1, 0):  # lexicographic: stable sorts, last key first
        rows = rows[rows[:, column].argsort(stable=True)]
    return rows


def test_candidates_are_the_roi_heads_detections_before_nms(batch):
    model = build(sample_model_cfg())
    with torch.no_grad():
        got = model.candidates(batch['inputs'],
                               copy.deepcopy(batch['data_samples']))
    want = candidates_by_mmdet(sample_model_cfg(), batch)
    for g, w in zip(got, want):
        # More than NMS would keep: overlapping boxes are still there.
        assert len(g) == len(w) > 0
        assert torch.allclose(sort_rows(g.bboxes, g.scores),
                              sort_rows(w.bboxes, w.scores), atol=1e-5)
        assert torch.all(g.scores > model.roi_head.test_cfg.score_thr)
    final = predict(model, batch, rescale=False)
    assert all(len(g) > len(f.pred_instances) for g, f in zip(got, final))


def test_rescoring_before_nms_lets_the_blended_score_pick_the_box(batch):
    """Candidates rescored, then NMS (in the pictures' pixels, as mmdet)
    and the cap, by hand: torchvision's batched NMS on the blend. The
    crops are the verifier's own here (boxes reaching outside the picture
    are sampled as it samples them; the test above checks them against
    torchvision's inside it)."""
    cfg = sample_model_cfg()
    model = build(cfg)
    assert model.rescore_before_nms
    model.verifier.fitted.fill_(True)
    model.roi_head.test_cfg.max_per_img = 5
    got = predict(model, batch)
    after_nms = build(cfg, rescore_before_nms=False)
    after_nms.verifier.fitted.fill_(True)
    after_nms.roi_head.test_cfg.max_per_img = 5
    old = predict(after_nms, batch)
    grey = model.grey_inputs(batch['inputs'])
    iou = model.roi_head.test_cfg.nms.iou_threshold
    differs = False
    for index, cands in enumerate(candidates_by_mmdet(cfg, batch)):
        rois = torch.cat([torch.full((len(cands), 1), float(index)),
                          cands.bboxes], 1)
        with torch.no_grad():
            probs = model.verifier(model.verifier.crops(grey, rois)).sigmoid()
        w = model.verifier.weight
        blend = cands.scores**(1 - w) * probs**w
        sx, sy = SCALES[index]
        boxes = cands.bboxes / torch.tensor([sx, sy, sx, sy])
        keep = batched_nms(boxes, blend, cands.labels, iou)[:5]
        pred = got[index].pred_instances
        assert len(pred) == len(keep) == 5
        assert torch.allclose(pred.bboxes, boxes[keep], atol=1e-3)
        assert torch.allclose(pred.scores, blend[keep], atol=1e-4)
        differs |= not torch.equal(pred.bboxes, old[index].pred_instances.bboxes)
    # Not the same as rescoring mmdet's survivors: other boxes win.
    assert differs


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


@pytest.mark.parametrize('before_nms', [True, False])
def test_final_scores_are_calibrated_after_the_nms(batch, before_nms):
    """The verifier's detection calibration maps the final scores by its
    formula; the boxes (which NMS keeps) stay the same."""
    model = build(sample_model_cfg(), rescore_before_nms=before_nms)
    model.verifier.fitted.fill_(True)
    plain = predict(model, batch)
    model.verifier.detection_calibration.slope.fill_(2.)
    model.verifier.detection_calibration.bias.fill_(-1.)
    for old, new in zip(plain, predict(model, batch)):
        old, new = old.pred_instances, new.pred_instances
        assert len(old) > 0 and torch.equal(old.bboxes, new.bboxes)
        logits = torch.log(old.scores) - torch.log1p(-old.scores)
        assert torch.allclose(new.scores, torch.sigmoid(2 * logits - 1),
                              atol=1e-5)


def test_without_verifier_config_it_is_mmdets_detector(batch):
    cfg = sample_model_cfg()
    cfg.verifier = None
    model = build(cfg)
    assert model.verifier is None and not model.verifies
    assert not any(k.startswith('verifier.') for k in model.state_dict())
    assert len(predict(model, batch)[0].pred_instances) > 0
