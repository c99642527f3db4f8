"""`tools/analysis_tools/distractor_scores.py`: the AUC against a naive
pairwise count, the height bands, and a run on a tiny sample with random
weights (its figures mean nothing; the boxes it scores are checked)."""
import itertools
import json
import math
import os.path as osp
import shutil

import numpy as np
import pytest

from mmfacerfcn.data_formats.wider_face_txt import parse_wider_gt
from mmfacerfcn.data_formats.wider_sample import (
    DISTRACTOR_FILES,
    read_distractors,
)
from mmfacerfcn.testing.cli import load_tool
from mmfacerfcn.testing.configs import CONFIGS, REPO, write_random_checkpoint

TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'distractor_scores.py')
CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
tool = load_tool(TOOL, 'distractor_scores')


def naive_auc(positive, negative):
    """Share of (positive, negative) pairs ranked right, ties half."""
    pairs = list(itertools.product(positive, negative))
    return sum(1.0 if p > n else 0.5 if p == n else 0.0
               for p, n in pairs) / len(pairs)


def test_auc_is_the_share_of_pairs_ranked_right():
    rng = np.random.default_rng(0)
    for _ in range(20):
        # Rounded, so that ties occur within and across the two sides.
        pos = rng.normal(0.5, 1, rng.integers(1, 30)).round(1)
        neg = rng.normal(0.0, 1, rng.integers(1, 30)).round(1)
        assert tool.roc_auc(pos, neg) == pytest.approx(naive_auc(pos, neg))
    assert tool.roc_auc([0.9, 0.8], [0.1, 0.7]) == 1.0
    assert tool.roc_auc([0.1], [0.2, 0.3]) == 0.0
    assert tool.roc_auc([0.4, 0.4], [0.4]) == 0.5
    assert math.isnan(tool.roc_auc([], [0.1]))


def test_summary_splits_by_box_height():
    face_scores = np.array([0.9, 0.2, 0.6, 0.7])
    face_heights = np.array([20, 40, 40, 300])
    dis_scores = np.array([0.5, 0.1, 0.8])
    dis_heights = np.array([16, 40, 127.9])
    figures = tool.summarize(face_scores, face_heights, dis_scores,
                             dis_heights)
    assert list(figures) == ['all', '16-32', '32-64', '64-128', '128+']
    assert figures['all']['faces'] == 4 and figures['all']['distractors'] == 3
    assert figures['all']['auc'] == pytest.approx(
        naive_auc(face_scores, dis_scores))
    band = figures['32-64']
    assert (band['faces'], band['distractors']) == (2, 1)
    assert band['auc'] == 1.0 and band['face_mean'] == pytest.approx(0.4)
    assert band['face_share_05'] == 0.5 and band['distractor_share_05'] == 0
    assert figures['16-32']['auc'] == 1.0  # 0.9 against 0.5
    assert figures['64-128']['faces'] == 0
    assert math.isnan(figures['64-128']['auc'])
    assert (figures['128+']['faces'], figures['128+']['distractors']) == (1, 0)
    # The table prints every row, NaN included.
    lines = tool.table_lines(figures)
    assert len(lines) == 6 and lines[1].startswith('all | 4 | 3 | ')


def test_scores_every_face_and_distractor_box(small_sample, random_checkpoint,
                                              tmp_path, capsys):
    out = tmp_path / 'figures.json'
    assert tool.main([CONFIG, random_checkpoint, '--data-root', small_sample,
                      '--min-size', '16', '--json', str(out)]) == 0
    faces = [f for im in parse_wider_gt(
        osp.join(small_sample, 'wider_face_split', 'wider_face_val_bbx_gt.txt'))
        for f in im.faces
        if not f.attributes['invalid'] and f.bbox[3] >= 16]
    distractors = [f for im in read_distractors(small_sample, 'val')
                   for f in im.faces if f.bbox[3] >= 16]
    assert faces and distractors
    figures = json.loads(out.read_text())['figures']
    assert figures['all']['faces'] == len(faces)
    assert figures['all']['distractors'] == len(distractors)
    assert sum(figures[b]['faces'] for b in figures if b != 'all') == len(
        faces)
    assert 0 <= figures['all']['auc'] <= 1
    assert 0 < figures['all']['face_mean'] < 1
    assert 'AUC' in capsys.readouterr().out


def test_a_sample_without_its_record_is_refused(small_sample,
                                                random_checkpoint, tmp_path):
    copy = tmp_path / 'old_sample'
    shutil.copytree(small_sample, copy)
    (copy / 'wider_face_split' / DISTRACTOR_FILES['val']).unlink()
    with pytest.raises(SystemExit) as err:
        tool.main([CONFIG, random_checkpoint, '--data-root', str(copy)])
    message = str(err.value)
    assert DISTRACTOR_FILES['val'] in message
    assert 'make_wider_sample.py' in message


def test_a_checkpoint_of_another_model_is_refused(small_sample, tmp_path):
    other = write_random_checkpoint(
        tmp_path / 'faster.pth',
        config=osp.join(CONFIGS, 'faster_rcnn',
                        'faster_rcnn_r18_dc5_wider-sample.py'))
    with pytest.raises(SystemExit) as err:
        tool.main([CONFIG, other, '--data-root', small_sample])
    assert 'does not fit the model' in str(err.value)
    assert str(other) in str(err.value)
