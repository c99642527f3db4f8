"""FDDBMetric: predictions of the Runner to FDDB's ROC figures.

A hand-made FDDB COCO JSON (two folds, three images): a face found by a
box around its ellipse, a false detection on an image, a face in an image
that was never evaluated, and an image of the other fold.
"""
import json
import math

import numpy as np
import pytest
import torch

from mmfacerfcn.data_formats.fddb_detections import read_fddb_detections
from mmfacerfcn.evaluation.metrics.fddb_metric import FDDBMetric

# (ra, rb, theta, cx, cy): an upright face ellipse, 40 x 30 px box
FACE = [20.0, 15.0, math.pi / 2, 40.0, 30.0]


def write_coco(path, with_fold=True):
    images = [dict(id=1, file_name='2002/a.jpg', width=80, height=60, fold=1),
              dict(id=2, file_name='2002/b.jpg', width=80, height=60, fold=1),
              dict(id=3, file_name='2003/c.jpg', width=80, height=60, fold=2)]
    if not with_fold:
        for image in images:
            del image['fold']
    anns = [dict(id=i + 1, image_id=i + 1, ellipse=FACE, category_id=1,
                 bbox=[25, 10, 30, 40], area=1200, iscrowd=0)
            for i in range(3)]
    path.write_text(json.dumps(dict(images=images, annotations=anns,
                                    categories=[dict(id=1, name='face')])))
    return str(path)


def sample(img_id, boxes, scores):
    return dict(img_id=img_id, pred_instances=dict(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.tensor(scores, dtype=torch.float32)))


# image 1: the face's box (x 25..55, y 10..50) and a false detection;
# image 3 (fold 2): the face's box; image 2 is never evaluated.
PREDICTIONS = [sample(1, [[25, 10, 55, 50], [0, 0, 10, 10]], [0.9, 0.8]),
               sample(3, [[25, 10, 55, 50]], [0.7])]


def evaluate(metric):
    metric.process({}, PREDICTIONS)
    return metric.evaluate(len(PREDICTIONS))


def test_all_folds(tmp_path):
    metric = FDDBMetric(write_coco(tmp_path / 'fddb.json'),
                        roc_curve_file=str(tmp_path / 'roc' / 'roc.png'))
    results = evaluate(metric)
    # 3 faces, 2 found by boxes that hold their ellipse (ratio about pi/4),
    # 1 false positive: below 500 false positives, everything counts
    assert results['fddb/disc_tpr@500'] == pytest.approx(2 / 3)
    assert results['fddb/disc_tpr@2000'] == pytest.approx(2 / 3)
    assert 2 / 3 * 0.7 < results['fddb/cont_tpr@500'] < 2 / 3 * 0.85
    assert (tmp_path / 'roc' / 'roc.png').read_bytes()[:8] == \
        b'\x89PNG\r\n\x1a\n'


def test_one_fold_ignores_the_others(tmp_path):
    metric = FDDBMetric(write_coco(tmp_path / 'fddb.json'), folds=[2])
    results = evaluate(metric)
    assert results['fddb/disc_tpr@500'] == pytest.approx(1.0)


def test_detection_files_per_fold(tmp_path):
    out = tmp_path / 'dets'
    metric = FDDBMetric(write_coco(tmp_path / 'fddb.json'),
                        outfile_dir=str(out))
    evaluate(metric)
    assert sorted(p.name for p in out.iterdir()) == ['fold-01-out.txt',
                                                     'fold-02-out.txt']
    fold1 = read_fddb_detections(str(out / 'fold-01-out.txt'))
    assert list(fold1) == ['2002/a', '2002/b']  # the unseen image too
    np.testing.assert_allclose(
        fold1['2002/a'], [[25, 10, 30, 40, 0.9], [0, 0, 10, 10, 0.8]],
        rtol=1e-6)
    assert fold1['2002/b'].shape == (0, 5)
    fold2 = read_fddb_detections(str(out / 'fold-02-out.txt'))
    np.testing.assert_allclose(fold2['2003/c'], [[25, 10, 30, 40, 0.7]],
                               rtol=1e-6)


def test_not_an_fddb_json(tmp_path):
    path = write_coco(tmp_path / 'wider.json', with_fold=False)
    with pytest.raises(ValueError, match=r'wider\.json: image 1 .* no "fold"'):
        FDDBMetric(path)
    with pytest.raises(ValueError, match=r'holds no image of fold\(s\) \[7\]'):
        FDDBMetric(write_coco(tmp_path / 'fddb.json'), folds=[7])
