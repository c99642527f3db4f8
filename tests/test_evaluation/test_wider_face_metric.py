"""WiderFaceMetric through MMEngine's metric interface."""
import json

import numpy as np
import pytest
import torch
from mmdet.registry import METRICS

import mmfacerfcn.evaluation.metrics  # noqa: F401  (registers WiderFaceMetric)
from mmfacerfcn.evaluation.functional.wider_submission import (
    read_submission_dir,
)
from mmfacerfcn.utils.output_paths import PathEscapesFolderError


def data_sample(tiny_wider, key, pred_xywh, with_id=True):
    """A data sample as a detector returns it: x1y1x2y2 boxes and scores."""
    pred = np.asarray(pred_xywh, dtype=np.float32).reshape(-1, 5)
    boxes = pred[:, :4].copy()
    boxes[:, 2:] += boxes[:, :2]  # x y w h -> x1 y1 x2 y2
    sample = dict(img_path=f'/data/WIDER_val/images/{key}.jpg',
                  pred_instances=dict(bboxes=torch.from_numpy(boxes),
                                      scores=torch.from_numpy(pred[:, 4])))
    if with_id:
        sample['img_id'] = tiny_wider.img_ids[key]
    return sample


def run_metric(metric, samples):
    # Two batches, as a dataloader would deliver them.
    metric.process({}, samples[:1])
    metric.process({}, samples[1:])
    return metric.evaluate(len(samples))


def perfect_samples(tiny_wider):
    samples = []
    for i, (key, boxes) in enumerate(tiny_wider.boxes.items()):
        rows = [[*b, 1.0 - 0.1 * (i + j)] for j, b in enumerate(boxes)]
        samples.append(data_sample(tiny_wider, key, rows))
    return samples


def test_registered_and_prefixed_with_hand_computed_values(tiny_wider):
    metric = METRICS.build(dict(type='WiderFaceMetric',
                                ann_file=tiny_wider.ann_file))
    samples = [data_sample(tiny_wider, k, v)
               for k, v in tiny_wider.preds.items()]
    res = run_metric(metric, samples)
    assert set(res) == {'wider_face/easy', 'wider_face/medium',
                        'wider_face/hard'}
    for subset, ap in tiny_wider.aps.items():
        assert res[f'wider_face/{subset}'] == pytest.approx(ap, abs=1e-12)


def test_gt_dir_matches_by_img_path(tiny_wider):
    metric = METRICS.build(dict(type='WiderFaceMetric',
                                gt_dir=tiny_wider.gt_dir))
    samples = [data_sample(tiny_wider, k, v, with_id=False)
               for k, v in tiny_wider.preds.items()]
    res = run_metric(metric, samples)
    assert {k.split('/')[1]: v for k, v in res.items()} == pytest.approx(
        tiny_wider.aps, abs=1e-12)


def test_perfect_predictions_give_ap_one(tiny_wider):
    for gt in (dict(ann_file=tiny_wider.ann_file),
               dict(gt_dir=tiny_wider.gt_dir)):
        metric = METRICS.build(dict(type='WiderFaceMetric', **gt))
        res = run_metric(metric, perfect_samples(tiny_wider))
        assert res == pytest.approx({'wider_face/easy': 1.0,
                                     'wider_face/medium': 1.0,
                                     'wider_face/hard': 1.0})


def test_unprocessed_images_count_as_missed(tiny_wider):
    metric = METRICS.build(dict(type='WiderFaceMetric',
                                ann_file=tiny_wider.ann_file))
    # Perfect on img_a only: c1 (easy, medium) and c1, c2 (hard) are missed.
    res = run_metric(metric, perfect_samples(tiny_wider)[:1])
    assert res == pytest.approx({'wider_face/easy': 0.5,
                                 'wider_face/medium': 2 / 3,
                                 'wider_face/hard': 3 / 5})


def test_submission_files_and_pr_curve(tiny_wider, tmp_path):
    out_dir = tmp_path / 'submission'
    png = tmp_path / 'curves' / 'pr.png'
    metric = METRICS.build(dict(type='WiderFaceMetric',
                                ann_file=tiny_wider.ann_file,
                                outfile_prefix=str(out_dir),
                                pr_curve_file=str(png)))
    preds = dict(tiny_wider.preds)
    preds['0--Parade/img_b'] = np.zeros((0, 5))  # zero detections
    samples = [data_sample(tiny_wider, k, v) for k, v in preds.items()]
    run_metric(metric, samples)

    # One file per processed image, zero detections included.
    empty = out_dir / '0--Parade' / 'img_b.txt'
    assert empty.read_text() == 'img_b\n0\n'
    first = (out_dir / '0--Parade' / 'img_a.txt').read_text().splitlines()
    assert first[:2] == ['img_a', '2']
    assert first[2].split() == ['10', '10', '20', '20', '0.75']
    # The files read back to exactly what was evaluated (x1y1x2y2 -> xywh).
    read = read_submission_dir(str(out_dir), list(preds))
    for key, pred in preds.items():
        np.testing.assert_array_equal(read[key], pred.reshape(-1, 5))

    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    import matplotlib.image
    assert matplotlib.image.imread(str(png)).shape[:2] == (500, 600)


def test_xyxy_to_xywh_is_width_not_width_plus_one(tiny_wider, tmp_path):
    metric = METRICS.build(dict(type='WiderFaceMetric',
                                ann_file=tiny_wider.ann_file,
                                outfile_prefix=str(tmp_path)))
    sample = dict(img_id=1, img_path='x/0--Parade/img_a.jpg',
                  pred_instances=dict(
                      bboxes=torch.tensor([[10.5, 20.0, 30.5, 60.0]]),
                      scores=torch.tensor([0.5])))
    metric.process({}, [sample])
    metric.evaluate(1)
    line = (tmp_path / '0--Parade' / 'img_a.txt').read_text().splitlines()[2]
    assert line.split() == ['10.5', '20', '20', '40', '0.5']


def test_format_only_writes_files_without_gt(tmp_path):
    metric = METRICS.build(dict(type='WiderFaceMetric', format_only=True,
                                outfile_prefix=str(tmp_path / 'out')))
    sample = dict(img_path='WIDER_test/images/3--Riot/3_Riot_1.jpg',
                  pred_instances=dict(bboxes=torch.tensor([[1., 2., 5., 8.]]),
                                      scores=torch.tensor([0.25])))
    metric.process({}, [sample])
    assert metric.evaluate(1) == {}
    text = (tmp_path / 'out' / '3--Riot' / '3_Riot_1.txt').read_text()
    assert text == '3_Riot_1\n1\n1 2 4 6 0.25\n'


def test_needs_ground_truth():
    with pytest.raises(ValueError, match='ann_file'):
        METRICS.build(dict(type='WiderFaceMetric'))
    with pytest.raises(ValueError, match='outfile_prefix'):
        METRICS.build(dict(type='WiderFaceMetric', format_only=True))


@pytest.mark.parametrize('img_path, file_name', [
    ('WIDER_test/images/../evil.jpg', None),  # key '../evil' from img_path
    ('/data/x.jpg', '../../evil.jpg'),  # key '../evil' from ann_file
])
def test_format_only_writes_nothing_outside_outfile_prefix(
        tmp_path, img_path, file_name):
    ann_file = None
    if file_name is not None:
        ann_file = tmp_path / 'test.json'
        ann_file.write_text(json.dumps(dict(images=[
            dict(id=1, file_name='3--Riot/3_Riot_1.jpg'),
            dict(id=2, file_name=file_name)])))
        ann_file = str(ann_file)
    out_dir = tmp_path / 'run' / 'out'
    metric = METRICS.build(dict(type='WiderFaceMetric', format_only=True,
                                ann_file=ann_file,
                                outfile_prefix=str(out_dir)))
    good = dict(img_id=1, img_path='WIDER_test/images/3--Riot/3_Riot_1.jpg',
                pred_instances=dict(bboxes=torch.tensor([[1., 2., 5., 8.]]),
                                    scores=torch.tensor([0.25])))
    bad = dict(good, img_id=2, img_path=img_path)
    metric.process({}, [good, bad])
    with pytest.raises(PathEscapesFolderError,
                       match=r"image key '\.\./evil': '\.\./evil\.txt' has a "
                       rf"'\.\.' component: it would lie outside {out_dir}"):
        metric.evaluate(2)
    # Checked before the first file: nothing outside, not even the good one.
    assert [p.name for p in tmp_path.rglob('*')] == (
        ['test.json'] if ann_file else [])
