"""`tools/analysis_tools/compare_face_detectors.py` on a photo and a tiny sample.

The Haar peer needs only OpenCV (installed with mmcv) and runs everywhere;
dlib and MTCNN are optional extras and their tests skip without them. The
``--model`` row uses the small ResNet-18 model with random weights: its AP
means nothing, but its detections take the whole path (pipeline, model,
rescale, xyxy -> xywh, evaluation).
"""
import json
import math
import os.path as osp
import sys

import cv2
import matplotlib
import numpy as np
import pytest

from mmfacerfcn.evaluation.functional import (
    WIDER_FACE_SUBSETS,
    load_wider_gt_mat,
    wider_face_iou,
)
from mmfacerfcn.testing.cli import load_tool
from mmfacerfcn.testing.configs import CONFIGS, REPO
from mmfacerfcn.testing.portraits import PORTRAIT_FACES

TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'compare_face_detectors.py')
PHOTO = osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg')
# Grace Hopper's face (x y w h), the hand-drawn box of the portrait check.
_X1, _Y1, _X2, _Y2 = PORTRAIT_FACES['grace_hopper.jpg']
PHOTO_FACE = np.array([[_X1, _Y1, _X2 - _X1, _Y2 - _Y1]], dtype=np.float64)


tool = load_tool(TOOL, 'compare_face_detectors')


def detect_on_photo(detect):
    """The peer's detections on the photo, (N, 5), at least one."""
    preds = detect(cv2.imread(PHOTO))
    assert preds.ndim == 2 and preds.shape[1] == 5 and len(preds)
    assert np.isfinite(preds).all()
    return preds


def best_iou(preds):
    return wider_face_iou(preds[:, :4], PHOTO_FACE).max()


def test_haar_finds_the_face_in_a_photo():
    detect = tool.build_haar(**tool.PEERS['haar']['default'])
    assert best_iou(detect_on_photo(detect)) >= 0.5


def test_dlib_finds_the_face_in_a_photo():
    pytest.importorskip('dlib')
    detect = tool.build_dlib(upsample=0, adjust_threshold=0.0)
    assert best_iou(detect_on_photo(detect)) >= 0.5


def test_mtcnn_finds_the_face_in_a_photo():
    pytest.importorskip('facenet_pytorch')
    preds = detect_on_photo(tool.build_mtcnn(**tool.PEERS['mtcnn']['default']))
    assert best_iou(preds) >= 0.5
    assert preds[:, 4].max() > 0.9  # O-Net's probability


def test_box_fit_recovers_a_known_convention():
    """Detections that are the faces shrunk (w / 1.25, h / 1.5) and moved
    (0.1 w left, 0.05 h down): the fit finds that and maps them back."""
    faces = np.array([[10, 20, 40, 60], [100, 50, 20, 30], [200, 10, 80, 90]],
                     dtype=np.float64)
    w, h = faces[:, 2] / 1.25, faces[:, 3] / 1.5
    cx = faces[:, 0] + faces[:, 2] / 2 - 0.1 * w
    cy = faces[:, 1] + faces[:, 3] / 2 + 0.05 * h
    dets = np.stack([cx - w / 2, cy - h / 2, w, h, [0.9, 0.8, 0.7]], axis=1)
    # A weaker detection on the first face (ignored: the strongest pairs) and
    # one far from every face (ignored: no overlap).
    extra = np.array([[12, 22, 30, 30, 0.2], [400, 400, 30, 30, 0.95]])
    hard = np.array([True, True, False])  # the third face is not in Hard
    shifted = dets.copy()
    shifted[2, :4] += [5, 5, 10, 10]
    gt = {'e/a': tool.WiderFaceImageGT(
        faces, dict(easy=hard, medium=hard, hard=hard))}
    fit = tool.fit_box({'e/a': np.vstack([shifted, extra])}, gt)
    np.testing.assert_allclose(fit, (1.25, 1.5, 0.1, -0.05), atol=1e-3)
    np.testing.assert_allclose(tool.apply_box_fit(dets, fit)[:, :4], faces,
                               atol=0.05)
    np.testing.assert_array_equal(tool.apply_box_fit(dets, fit)[:, 4],
                                  dets[:, 4])
    assert tool.fit_box({'e/a': extra[1:]}, gt) == tool.NO_BOX_FIT


def test_haar_and_a_model_in_one_table(small_sample, random_checkpoint, tmp_path,
                                       capsys):
    out = tmp_path / 'cmp.json'
    config = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
    rc = tool.main(['--data-root', small_sample, '--detectors', 'haar',
                    '--model', 'r18-random', config, random_checkpoint,
                    '--tta', '--json', str(out)])
    stdout = capsys.readouterr().out
    assert rc == 0
    rows = json.loads(out.read_text())['rows']
    assert [r['detector'] for r in rows] == ['haar', 'r18-random',
                                             'r18-random+tta']
    assert rows[1]['detections'] > 0, 'a random model still proposes boxes'
    assert 'score_thr=0.01' in rows[1]['settings']
    # --tta: a second row of the same model, with the config's TTA
    assert 'tta=tta_pipeline' in rows[2]['settings']
    assert 'scale' not in rows[2]['settings']
    assert rows[2]['detections'] > 0
    for row in rows:
        assert 0 <= row['hard'] <= 1 and row['ms_per_img'] > 0
        assert all(math.isnan(row[s]) or 0 <= row[s] <= 1
                   for s in WIDER_FACE_SUBSETS)
        # One table line per detector, with its settings.
        assert any(line.startswith(f'| {row["detector"]} ') and
                   row['settings'] in line for line in stdout.splitlines())
    assert '| detector ' in stdout and 'Hard' in stdout


def test_an_oracle_scores_one(small_sample, monkeypatch, capsys):
    """Ground-truth boxes as detections: AP 1, so keys, images and box
    convention all line up."""
    gt = load_wider_gt_mat(osp.join(small_sample, 'eval_tools', 'ground_truth'))
    by_pixels = {}
    for key, img_gt in gt.items():
        image = cv2.imread(osp.join(small_sample, 'WIDER_val', 'images', key + '.jpg'))
        scores = np.linspace(1, 0.5, len(img_gt.boxes))[:, None]
        by_pixels[image.tobytes()] = np.hstack([img_gt.boxes, scores])

    def build_oracle(**settings):
        return lambda image: by_pixels[image.tobytes()]

    monkeypatch.setitem(tool.PEERS['haar'], 'build', build_oracle)
    assert tool.main(['--data-root', small_sample, '--detectors', 'haar']) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines()
            if ln.startswith('| haar ')][0]
    assert line.count('1.0000') == sum(
        any(g.subsets[s].any() for g in gt.values()) for s in WIDER_FACE_SUBSETS)


def test_tune_on_train(small_sample, tmp_path, monkeypatch):
    grid = [dict(upsample=1.0, scale_factor=1.2, min_neighbors=3),
            dict(upsample=2.0, scale_factor=1.1, min_neighbors=1)]
    monkeypatch.setitem(tool.PEERS['haar'], 'grid', grid)
    out = tmp_path / 'tune.json'
    assert tool.main(['--tune', '--data-root', small_sample, '--detectors', 'haar',
                      '--json', str(out)]) == 0
    haar = json.loads(out.read_text())['peers']['haar']
    assert len(haar['grid']) == len(grid)
    for row, settings in zip(haar['grid'], grid):
        # Each setting with its own box fit on the train detections.
        assert row['settings'].startswith(tool.settings_text(settings) +
                                          ' box=')
        assert 0 <= row['raw_mean_ap'] <= 1 and 0 <= row['mean_ap'] <= 1
    best = max(haar['grid'], key=lambda r: r['mean_ap'])
    assert haar['best'] == best['settings']


def test_train_subsets_follow_the_val_rule(small_sample, tmp_path):
    """The rule --tune gives train faces reproduces val's official .mat."""
    with open(osp.join(small_sample, 'annotations', 'wider_face_val.json')) as f:
        coco = json.load(f)
    for ann in coco['annotations']:
        del ann['subsets']  # as in the train JSON
    stripped = tmp_path / 'val_without_subsets.json'
    stripped.write_text(json.dumps(coco))
    from_rule = tool.load_train_gt(str(stripped))
    official = load_wider_gt_mat(osp.join(small_sample, 'eval_tools', 'ground_truth'))
    assert list(from_rule) == list(official)
    for key, img_gt in official.items():
        np.testing.assert_array_equal(from_rule[key].boxes, img_gt.boxes)
        for s in WIDER_FACE_SUBSETS:
            np.testing.assert_array_equal(from_rule[key].subsets[s],
                                          img_gt.subsets[s])
    train = tool.load_train_gt(
        osp.join(small_sample, 'annotations', 'wider_face_train.json'))
    assert sum(g.subsets['hard'].sum() for g in train.values()) > 0


def test_missing_peer_is_skipped_or_refused(small_sample, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'dlib', None)  # import dlib fails
    monkeypatch.setitem(sys.modules, 'facenet_pytorch', None)
    assert tool.main(['--data-root', small_sample, '--max-images', '1']) == 0
    out = capsys.readouterr().out
    assert 'dlib: skipped: dlib not installed' in out
    assert 'pip install dlib-bin' in out
    assert 'pip install --no-deps facenet-pytorch' in out
    assert [ln.split()[1] for ln in out.splitlines()
            if ln.startswith('| ') and 'Easy' not in ln] == ['haar']

    assert tool.main(['--data-root', small_sample, '--detectors', 'dlib']) == 1
    assert 'pip install dlib-bin' in capsys.readouterr().err


def test_tta_needs_a_model(capsys):
    with pytest.raises(SystemExit):
        tool.parse_args(['--tta'])
    assert '--tta applies to --model rows' in capsys.readouterr().err


def test_bad_input_names_the_file(small_sample, tmp_path, capsys):
    missing = tmp_path / 'nowhere'
    assert tool.main(['--data-root', str(missing), '--detectors', 'haar']) == 1
    assert str(missing / 'eval_tools' / 'ground_truth' /
               'wider_face_val.mat') in capsys.readouterr().err

    config = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
    ckpt = tmp_path / 'none.pth'
    assert tool.main(['--data-root', small_sample, '--detectors',
                      '--model', 'm', config, str(ckpt)]) == 1
    assert f'{ckpt}: checkpoint not found' in capsys.readouterr().err
