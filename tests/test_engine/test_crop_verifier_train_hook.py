"""CropVerifierTrainHook: detections labelled by their overlap with the
faces; after the last iteration the verifier learns them and is marked
fitted before the last checkpoint is written."""
import copy
import math

import pytest
import torch
from mmengine.runner import Runner

from mmfacerfcn.engine.hooks import (
    CropVerifierTrainHook,
    crop_weights,
    jitter_crops,
    label_detections,
    members_loss,
    turned_faces,
    warp_crops,
)
from mmfacerfcn.testing.configs import tiny_runner_cfg

FACE = [0., 0., 10., 10.]
# As mmdet's test pipelines: the boxes loaded after Resize, so unscaled
# while the picture is halved.
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 56), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs'),
]


def test_crop_weights_by_hand():
    labels = torch.tensor([1, 0, 0, 1, 0])
    scores = torch.tensor([0.9, 0.2, 0.6, 1.0, 0.])
    # Non-faces: 0.2, 0.6, 0 over their mean, 0.8 / 3.
    torch.testing.assert_close(crop_weights(labels, scores),
                               torch.tensor([1., 0.75, 2.25, 1., 0.]))
    assert crop_weights(labels[[0, 3]], scores[[0, 3]]).tolist() == [1., 1.]
    assert crop_weights(labels[[4]], scores[[4]]).tolist() == [0.]


def test_turned_faces_by_hand():
    # Two faces (an arrow pointing up, and its mirror) and two non-faces.
    up = torch.tensor([[0., 1., 0.], [1., 1., 1.], [0., 1., 0.]])
    up[0, 1] = 5.
    crops = torch.stack([up, up.flip(1), torch.zeros(3, 3),
                         torch.ones(3, 3)])[:, None]
    labels = torch.tensor([1, 1, 0, 0])
    scores = torch.tensor([1., 1., 0.2, 0.4])
    gen = torch.Generator().manual_seed(0)
    out_crops, out_labels, out_scores = turned_faces(crops, labels, scores,
                                                     gen)
    torch.testing.assert_close(out_crops[:4], crops)
    assert out_labels.tolist() == [1, 1, 0, 0, 0, 0]
    # Scored as the mean non-face, so weighted as one (crop_weights).
    torch.testing.assert_close(out_scores[4:], torch.tensor([0.3, 0.3]))
    # Each face once more, turned by 1, 2 or 3 quarters: the 5 (the top of
    # the arrow) is at the right, bottom or left, never on top again.
    tops = {(0, 1): 'up', (1, 2): 'right', (2, 1): 'down', (1, 0): 'left'}
    for face, turned in zip(crops[:2, 0], out_crops[4:, 0]):
        assert sorted(turned.flatten().tolist()) == sorted(
            face.flatten().tolist())
        where = tuple((turned == 5).nonzero()[0].tolist())
        assert tops[where] != 'up'
        assert any(torch.equal(turned, torch.rot90(face, k))
                   for k in (1, 2, 3))
    # The turns are drawn: over many faces every one of them comes.
    many = [0] * 59 + [2]  # 59 faces and a non-face
    out, _, _ = turned_faces(crops[many], labels[many], scores[many], gen)
    drawn = {k for turned in out[60:, 0] for k in (1, 2, 3)
             if torch.equal(turned, torch.rot90(up, k))}
    assert drawn == {1, 2, 3}
    # Nothing to turn, or no non-face to score them by: unchanged.
    for keep in ([2, 3], [0, 1]):
        same = turned_faces(crops[keep], labels[keep], scores[keep], gen)
        assert all(torch.equal(a, b) for a, b in
                   zip(same, (crops[keep], labels[keep], scores[keep])))


def test_each_member_learns_on_its_own_loss():
    labels = torch.tensor([1., 0., 0.])
    weights = torch.tensor([1., 0.5, 1.5])
    pos_weight = torch.tensor(2.)
    logits = torch.tensor([[0.3, -1., 2.], [1.5, 0.2, -0.7]],
                          requires_grad=True)
    members_loss(logits, labels, weights, pos_weight).backward()
    # By hand: d/dz of the mean over n of w * (-p y log s(z) - (1 - y)
    # log(1 - s(z))) is w * (p y (s(z) - 1) + (1 - y) s(z)) / n, per member,
    # whatever the other member's logits are.
    z = logits.detach()
    s = z.sigmoid()
    want = weights * (pos_weight * labels * (s - 1) +
                      (1 - labels) * s) / len(labels)
    assert torch.allclose(logits.grad, want, atol=1e-6)


def test_warp_crops_by_hand():
    # One bright pixel two to the right of the centre of a 9 x 9 crop.
    crops = torch.zeros(1, 1, 9, 9)
    crops[0, 0, 4, 6] = 1.

    def where(angle=0., zoom=1., shift=(0., 0.)):
        out = warp_crops(crops, torch.tensor([angle]), torch.tensor([zoom]),
                         torch.tensor([shift]))
        return tuple((out[0, 0] > 0.5).nonzero()[0].tolist())

    assert where() == (4, 6)
    assert where(angle=math.pi / 2) == (2, 4)  # anticlockwise: above
    assert where(angle=-math.pi / 2) == (6, 4)
    assert where(zoom=2.) == (4, 8)  # twice as far from the centre
    assert where(shift=(-4 / 9, 4 / 9)) == (6, 4)  # 2 px left, 2 px down
    turned = warp_crops(crops, torch.tensor([math.pi / 2]),
                        torch.tensor([1.]), torch.zeros(1, 2))
    torch.testing.assert_close(turned, crops.rot90(1, (2, 3)))


def test_warp_crops_match_torchvision_away_from_the_border():
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2.functional import affine
    torch.manual_seed(0)
    crops = torch.rand(3, 1, 32, 32, dtype=torch.float64)
    angles = [20., -35., 5.]  # degrees, anticlockwise
    zooms = [1.2, 0.9, 1.]
    shifts = [(2., -1.), (0., 3.), (-1.5, 0.5)]  # px
    got = warp_crops(crops, torch.tensor(angles).deg2rad(),
                     torch.tensor(zooms), torch.tensor(shifts) / 16)
    inner = slice(10, 22)  # reads no pixel outside the crop
    for i in range(3):
        want = affine(crops[i], angle=-angles[i], translate=list(shifts[i]),
                      scale=zooms[i], shear=[0., 0.],
                      interpolation=InterpolationMode.BILINEAR)
        # torchvision builds its grid in float32.
        torch.testing.assert_close(got[i, :, inner, inner],
                                   want[:, inner, inner], atol=1e-5, rtol=0)


def test_jitter_crops_draws_each_crop_its_own_warp_within_bounds():
    # Two channels holding each pixel's own x and y: bilinear reads of a
    # linear ramp are exact, so the output says where each pixel was read,
    # and so the warp drawn.
    side, centre = 16, 7.5
    ramp = torch.arange(side, dtype=torch.float64)
    coords = torch.stack([ramp.expand(side, side),
                          ramp[:, None].expand(side, side)])
    crops = coords.expand(300, 2, side, side)
    gen = torch.Generator().manual_seed(0)
    out = jitter_crops(crops, gen, max_angle=10., max_zoom=0.1,
                       max_shift=0.05)
    # Where pixels (8, 8), (8, 9) and (9, 8) were read: the Jacobian of the
    # reading map, its rotation and scale (1 / zoom), and the shift.
    read = out[:, :, 8, 8]
    jac = torch.stack([out[:, :, 8, 9] - read, out[:, :, 9, 8] - read], 2)
    angles = torch.atan2(jac[:, 1, 0], jac[:, 0, 0]).rad2deg()
    zooms = 1 / torch.hypot(jac[:, 0, 0], jac[:, 1, 0])
    shifts = (8 - centre) - torch.linalg.solve(jac, read - centre)
    assert angles.abs().max() <= 10 and angles.abs().max() > 9
    assert (zooms - 1).abs().max() <= 0.1 and (zooms - 1).abs().max() > 0.09
    assert shifts.abs().max() <= 0.05 * side + 1e-9
    assert shifts.abs().max() > 0.045 * side
    assert len(set(angles.tolist())) == 300  # each crop its own
    # No warp at all: the crops as they were.
    same = jitter_crops(crops, gen, max_angle=0., max_zoom=0.,
                        max_shift=0.)
    torch.testing.assert_close(same, crops)
    with pytest.raises(ValueError, match='max_zoom'):
        jitter_crops(crops, gen, max_angle=0., max_zoom=1., max_shift=0.)


def test_label_detections_by_hand():
    boxes = torch.tensor([
        FACE,                    # IoU 1: face
        [0., 0., 10., 20.],      # IoU 0.5: face
        [5., 0., 15., 10.],      # IoU 1/3: part of the face, non-face
        [0., 0., 10., 40.],      # IoU 0.25: non-face
        [100., 100., 110., 110.],  # nowhere: non-face
        [50., 50., 60., 60.],    # on an ignored region: unused
    ])
    faces = torch.tensor([FACE])
    ignored = torch.tensor([[50., 50., 62., 60.]])
    # By default a box that would not count as the face found (IoU under
    # 0.5) is a non-face.
    assert label_detections(boxes, faces, ignored).tolist() == [
        1, 1, 0, 0, 0, -1]
    # With a lower neg_iou, the boxes in between are left out.
    assert label_detections(boxes, faces, ignored, neg_iou=0.3).tolist() == [
        1, 1, -1, 0, 0, -1]
    # Thresholds are the caller's.
    assert label_detections(boxes, faces, ignored, pos_iou=0.6,
                            neg_iou=0.2).tolist() == [1, -1, -1, -1, 0, -1]
    # No face, no ignored region: every detection is a non-face.
    assert label_detections(boxes, faces[:0], ignored[:0]).tolist() == [0] * 6
    assert label_detections(boxes[:0], faces, ignored).tolist() == []


@pytest.mark.parametrize('kwargs', [dict(epochs=0), dict(batch_size=0),
                                    dict(pos_iou=0.3, neg_iou=0.5),
                                    dict(max_proposals=0),
                                    dict(jitter=dict(max_angle=-1.,
                                                     max_zoom=0.,
                                                     max_shift=0.))])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        CropVerifierTrainHook(**kwargs)


def verified_cfg(tmp_path, max_iters=2, verifier=True, num_members=1):
    cfg = tiny_runner_cfg(tmp_path, max_iters=max_iters)
    cfg.model.type = 'VerifiedTwoStageDetector'
    if verifier:
        cfg.model.verifier = dict(type='CropVerifier', crop_size=16,
                                  channels=(4, 8), num_members=num_members)
    cfg.custom_hooks.append(dict(type='CropVerifierTrainHook', epochs=3,
                                 batch_size=16, pipeline=PIPELINE))
    return cfg


def test_verifier_learns_at_the_last_iteration_before_the_checkpoint(
        tmp_path):
    runner = Runner.from_cfg(verified_cfg(tmp_path))
    verifier = runner.model.verifier
    init = {k: v.clone() for k, v in verifier.state_dict().items()}
    runner.train()
    hook = next(h for h in runner.hooks
                if isinstance(h, CropVerifierTrainHook))
    history = hook.history
    assert history is not None, 'the verifier was not trained'
    # The tiny set's 3 faces are positives at least; the untrained
    # detector's boxes elsewhere are negatives.
    assert history['num_pos'] >= 3 and history['num_neg'] > 0
    assert len(history['loss']) == 3
    assert bool(verifier.fitted) and runner.model.verifies
    # Frozen again: the runner's optimizer and DDP leave it alone.
    assert not any(p.requires_grad for p in verifier.parameters())
    assert not torch.equal(init['classifier.2.weight'],
                           verifier.classifier[2].weight)
    # The checkpoint of the last iteration holds the trained verifier.
    last = torch.load(tmp_path / 'work' / 'iter_2.pth', weights_only=True)
    assert bool(last['state_dict']['verifier.fitted'])
    assert torch.equal(last['state_dict']['verifier.classifier.2.weight'],
                       verifier.classifier[2].weight)


def test_turned_faces_are_learnt_as_non_faces(tmp_path, monkeypatch):
    from mmfacerfcn.engine.hooks import crop_verifier_train_hook as module
    calls = []

    def spy(crops, labels, scores, generator):
        calls.append(labels.clone())
        return turned_faces(crops, labels, scores, generator)

    monkeypatch.setattr(module, 'turned_faces', spy)
    cfg = verified_cfg(tmp_path)
    for turned in (False, True):
        cfg.custom_hooks[-1]['turned_faces'] = turned
        cfg.work_dir = str(tmp_path / f'work_{turned}')
        runner = Runner.from_cfg(cfg)
        runner.train()
        history = next(h for h in runner.hooks if isinstance(
            h, CropVerifierTrainHook)).history
        assert len(calls) == int(turned)
    # The detections collected, then one non-face more per face.
    collected = calls[0]
    assert history['num_pos'] == int(collected.sum()) >= 3
    assert history['num_neg'] == int((collected == 0).sum()) + history[
        'num_pos']


def test_jitter_warps_every_batch_it_learns(tmp_path, monkeypatch):
    from mmfacerfcn.engine.hooks import crop_verifier_train_hook as module
    calls = []

    def spy(crops, generator, **bounds):
        calls.append((len(crops), bounds))
        return jitter_crops(crops, generator, **bounds)

    monkeypatch.setattr(module, 'jitter_crops', spy)
    bounds = dict(max_angle=10., max_zoom=0.1, max_shift=0.05)
    cfg = verified_cfg(tmp_path)
    cfg.custom_hooks[-1]['jitter'] = bounds
    runner = Runner.from_cfg(cfg)
    runner.train()
    history = next(h for h in runner.hooks if isinstance(
        h, CropVerifierTrainHook)).history
    crops = history['num_pos'] + history['num_neg']
    # Each of the 3 epochs' batches of 16, with the bounds given.
    assert len(calls) == 3 * math.ceil(crops / 16)
    assert sum(n for n, _ in calls) == 3 * crops
    assert all(b == bounds for _, b in calls)


def test_every_member_of_an_ensemble_learns(tmp_path):
    runner = Runner.from_cfg(verified_cfg(tmp_path, num_members=2))
    verifier = runner.model.verifier
    init = [net[1][2].weight.clone() for net in verifier.members]
    runner.train()
    assert bool(verifier.fitted)
    for before, net in zip(init, verifier.members):
        assert not torch.equal(before, net[1][2].weight)
    last = torch.load(tmp_path / 'work' / 'iter_2.pth', weights_only=True)
    assert torch.equal(last['state_dict']['verifier.members.1.1.2.weight'],
                       verifier.members[1][1][2].weight)


def test_a_model_without_verifier_is_refused_before_training(tmp_path):
    runner = Runner.from_cfg(verified_cfg(tmp_path, verifier=False))
    with pytest.raises(ValueError, match='needs a detector with a verifier'):
        runner.train()
    assert runner.iter == 0


def test_face_crops_are_taken_where_the_faces_are(tmp_path):
    """The tiny set's faces are bright patches (32 x 40 px) on dark noise;
    squared, a face leaves dark margins left and right: a face crop is
    bright in the middle columns, dark in the outer ones, whatever the
    pipeline's resize did to the picture."""
    runner, model, hook = trained_runner(tmp_path)
    crops, labels, _ = hook.collect(runner, model)
    faces = crops[labels == 1]
    assert len(faces) >= 3
    middle = faces[..., 4:12].mean()
    margins = faces[..., [0, 15]].mean()
    assert middle > margins + 1, (float(middle), float(margins))


def test_testing_a_model_without_verifier_is_not_refused(tmp_path):
    """tools/test.py keeps the config's hooks and may wrap the detector
    (TTA, onnxruntime): the hook only checks before training."""
    cfg = verified_cfg(tmp_path, verifier=False)
    cfg.merge_from_dict(dict(
        test_dataloader=dict(
            batch_size=1, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(cfg.train_dataloader.dataset, pipeline=PIPELINE,
                         test_mode=True)),
        test_cfg=dict(type='TestLoop'),
        test_evaluator=dict(type='CocoMetric', metric='bbox',
                            ann_file=cfg.train_dataloader.dataset.ann_file,
                            format_only=False)))
    Runner.from_cfg(cfg).test()


def trained_runner(tmp_path):
    """The runner after :func:`verified_cfg`'s training, its detector in
    eval mode and its CropVerifierTrainHook."""
    runner = Runner.from_cfg(verified_cfg(tmp_path))
    runner.train()
    hook = next(h for h in runner.hooks
                if isinstance(h, CropVerifierTrainHook))
    return runner, runner.model.eval(), hook


def test_crops_are_the_detections_the_verifier_will_rescore(tmp_path):
    """Rescoring before NMS (the default), the verifier learns the RoI
    head's candidates: every detection NMS would keep, and the overlapping
    ones it would drop; after NMS, only the kept ones."""
    runner, model, hook = trained_runner(tmp_path)
    assert model.rescore_before_nms
    collected = {}
    for before in (True, False):
        model.rescore_before_nms = before
        crops, labels, scores = hook.collect(runner, model)
        collected[before] = scores[scores < 1].tolist()  # not the faces
    kept, candidates = collected[False], collected[True]
    assert len(candidates) > len(kept) > 0
    for score in kept:  # each kept detection is among the candidates
        assert min(abs(score - c) for c in candidates) < 1e-6


def test_max_proposals_caps_the_candidates_collected(tmp_path):
    """With ``max_proposals`` the candidates come from that many RPN
    proposals a picture, the highest-ranked ones (so they are among the
    test config's), and the RPN's test config is left as it was."""
    runner, model, hook = trained_runner(tmp_path)
    rpn_cfg = model.rpn_head.test_cfg
    before = rpn_cfg.max_per_img
    num_pictures = len(runner.train_dataloader.dataset)
    collected = {}
    for cap in (None, 2):
        hook.max_proposals = cap
        _, _, scores = hook.collect(runner, model)
        collected[cap] = scores[scores < 1].tolist()  # not the faces
        assert rpn_cfg.max_per_img == before
    capped, full = collected[2], collected[None]
    assert 0 < len(capped) <= 2 * num_pictures < len(full)
    for score in capped:
        assert min(abs(score - s) for s in full) < 1e-6


def test_candidates_are_collected_at_the_hooks_score_thr(tmp_path):
    """The verifier learns from the detections scoring the hook's
    ``score_thr`` or more, also where the RoI head's test config keeps
    fewer at test time (a higher ``score_thr``), which is left as it was."""
    runner, model, hook = trained_runner(tmp_path)
    rcnn_cfg = model.roi_head.test_cfg
    hook.score_thr = 0.
    _, _, scores = hook.collect(runner, model)
    everything = scores[scores < 1]  # not the faces
    assert len(everything) > 10
    values = everything.unique()  # sorted
    # between two scores: the RoI head keeps scores strictly above it
    low = float(values[len(values) // 2 - 1:len(values) // 2 + 1].mean())
    rcnn_cfg.score_thr = float(everything.max())  # the test keeps ~none
    hook.score_thr = low
    _, _, scores = hook.collect(runner, model)
    assert rcnn_cfg.score_thr == float(everything.max())
    collected = scores[scores < 1]
    assert len(collected) == int((everything >= low).sum()) > 1
    assert float(collected.min()) >= low


@pytest.fixture
def platt_fits(monkeypatch):
    """The ``(logits, labels)`` of every Platt fit, as they come."""
    from mmfacerfcn.models.verifiers import platt_scaling
    fits, fit = [], platt_scaling.fit_platt

    def spy(logits, labels):
        fits.append((logits.clone(), labels.clone()))
        return fit(logits, labels)

    monkeypatch.setattr(platt_scaling, 'fit_platt', spy)
    return fits


@pytest.mark.parametrize('calibrate', [False, True])
def test_the_verifier_is_calibrated_on_the_collected_crops(
        tmp_path, platt_fits, calibrate):
    fits = platt_fits
    cfg = verified_cfg(tmp_path)
    cfg.custom_hooks[-1].update(calibrate=calibrate, turned_faces=True,
                                calibrate_detections=False)
    runner = Runner.from_cfg(cfg)
    runner.train()
    calibration = runner.model.verifier.calibration
    history = next(h for h in runner.hooks
                   if isinstance(h, CropVerifierTrainHook)).history
    assert len(fits) == int(calibrate)
    if not calibrate:
        assert (float(calibration.slope), float(calibration.bias)) == (1, 0)
        return
    logits, labels = fits[0]
    # The collected crops only, not the turned faces added for training
    # (as many as the faces, and counted among the non-faces).
    assert int(labels.sum()) == history['num_pos']
    assert len(labels) == history['num_neg']
    assert history['calibration'] == (float(calibration.slope),
                                      float(calibration.bias))
    assert history['calibration'] != (1.0, 0.0)
    last = torch.load(tmp_path / 'work' / 'iter_2.pth', weights_only=True)
    assert float(last['state_dict']['verifier.calibration.bias']) == \
        float(calibration.bias)


def find_the_faces_too(model, score=0.6):
    """Make ``model.predict`` also return each picture's annotated faces
    (the test pipeline loads them) at ``score``, calibrated as the other
    final detections: the tiny run's detector finds none, and the fit
    needs faces and non-faces."""
    from mmengine.structures import InstanceData
    predict = model.predict

    def with_faces(inputs, samples, rescale=True):
        results = predict(inputs, samples, rescale)
        for result in results:
            pred, faces = result.pred_instances, result.gt_instances.bboxes
            found = InstanceData(
                bboxes=faces.to(pred.bboxes),
                scores=model.verifier.calibrate_detections(
                    pred.scores.new_full((len(faces), ), score)),
                labels=pred.labels.new_zeros(len(faces)))
            result.pred_instances = InstanceData.cat([pred, found])
        return results

    model.predict = with_faces


def test_final_detections_without_faces_stay_uncalibrated(tmp_path):
    runner = Runner.from_cfg(verified_cfg(tmp_path))
    runner.train()
    calibration = runner.model.verifier.detection_calibration
    assert (float(calibration.slope), float(calibration.bias)) == (1, 0)
    assert bool(runner.model.verifier.fitted)


def test_final_detections_are_calibrated_on_the_training_pictures(
        tmp_path, platt_fits):
    """The second fit takes the logits of the trained model's final
    detections on the training pictures (the detection calibration the
    identity meanwhile), labelled as the candidates are; the fitted map
    is saved and changes the final scores only by the formula."""
    from mmengine.dataset import Compose, pseudo_collate

    from mmfacerfcn.engine.hooks.utils import annotated_boxes
    from mmfacerfcn.models.verifiers import probability_logits
    fits = platt_fits
    cfg = verified_cfg(tmp_path)
    cfg.custom_hooks[-1].update(calibrate=False)
    runner = Runner.from_cfg(cfg)
    find_the_faces_too(runner.model)
    runner.train()
    model = runner.model.eval()
    history = next(h for h in runner.hooks
                   if isinstance(h, CropVerifierTrainHook)).history
    assert len(fits) == 1
    calibration = model.verifier.detection_calibration
    fitted = (float(calibration.slope), float(calibration.bias))
    assert history['detection_calibration'] == fitted != (1.0, 0.0)
    last = torch.load(tmp_path / 'work' / 'iter_2.pth', weights_only=True)
    assert float(last['state_dict'][
        'verifier.detection_calibration.slope']) == fitted[0]

    # Independently: the final detections with the identity, labelled.
    calibration.slope.fill_(1.)
    calibration.bias.fill_(0.)
    pipeline = Compose(PIPELINE)
    dataset = runner.train_dataloader.dataset
    scores, labels, calibrated = [], [], []
    with torch.no_grad():
        for index in range(len(dataset)):
            info = dataset.get_data_info(index)
            data = model.data_preprocessor(pseudo_collate([pipeline(info)]),
                                           False)
            samples = data['data_samples']
            pred = model.predict(data['inputs'],
                                 copy.deepcopy(samples))[0].pred_instances
            faces, ignored = (torch.from_numpy(b) for b in
                              annotated_boxes(info))
            label = label_detections(pred.bboxes, faces, ignored)
            scores.append(pred.scores[label >= 0])
            labels.append(label[label >= 0])
            calibration.slope.fill_(fitted[0])
            calibration.bias.fill_(fitted[1])
            again = model.predict(data['inputs'],
                                  copy.deepcopy(samples))[0].pred_instances
            calibration.slope.fill_(1.)
            calibration.bias.fill_(0.)
            assert torch.equal(again.bboxes, pred.bboxes)
            logits = torch.log(pred.scores) - torch.log1p(-pred.scores)
            assert torch.allclose(
                again.scores,
                torch.sigmoid(fitted[0] * logits + fitted[1]), atol=1e-5)
            calibrated.append(again.scores)
    logits, fit_labels = fits[0]
    assert torch.equal(fit_labels, torch.cat(labels))
    assert 0 < int(fit_labels.sum()) < len(fit_labels)
    assert torch.allclose(logits, probability_logits(torch.cat(scores)))
