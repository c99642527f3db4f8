"""`tools/analysis_tools/score_reliability.py`: the bins and calibration
error against hand-computed cases and a naive loop, and runs on a tiny
sample with random weights (their figures mean nothing; their counts are
checked against each other; the labelling is
``label_detections``, tested with the crop verifier's hook)."""
import json
import math
import os.path as osp

import numpy as np
import pytest

from mmfacerfcn.testing.cli import load_tool
from mmfacerfcn.testing.configs import CONFIGS, REPO
from mmfacerfcn.testing.sample_data import sample_cfg_options

TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'score_reliability.py')
CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
tool = load_tool(TOOL, 'score_reliability')


def test_bins_by_hand():
    bins = tool.reliability_bins([0.05, 0.15, 0.15, 0.95, 1.0],
                                 [0, 1, 0, 1, 1], num_bins=10)
    assert [b['count'] for b in bins] == [1, 1 + 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[1]['mean_score'] == pytest.approx(0.15)
    assert bins[1]['face_share'] == 0.5
    assert bins[9]['mean_score'] == pytest.approx(0.975)  # 1.0 in the last
    assert math.isnan(bins[4]['mean_score'])
    assert (bins[3]['low'], bins[3]['high']) == (0.3, 0.4)
    # 1/5 * 0.05 + 2/5 * 0.35 + 2/5 * 0.025
    assert tool.calibration_error(bins) == pytest.approx(0.16)
    assert math.isnan(tool.calibration_error(tool.reliability_bins([], [])))


def test_bins_match_a_naive_loop():
    rng = np.random.default_rng(0)
    scores = rng.random(500)
    labels = (rng.random(500) < scores).astype(int)
    bins = tool.reliability_bins(scores, labels, num_bins=7)
    for i, b in enumerate(bins):
        inside = [(s, y) for s, y in zip(scores, labels)
                  if i / 7 <= s < (i + 1) / 7]
        assert b['count'] == len(inside)
        assert b['mean_score'] == pytest.approx(
            sum(s for s, _ in inside) / len(inside))
        assert b['face_share'] == pytest.approx(
            sum(y for _, y in inside) / len(inside))
    ece = sum(len(scores[(scores >= i / 7) & (scores < (i + 1) / 7)]) / 500 *
              abs(b['mean_score'] - b['face_share'])
              for i, b in enumerate(bins))
    assert tool.calibration_error(bins) == pytest.approx(ece)


def test_summary_above_the_threshold_and_brier():
    figures = tool.summarize([0.2, 0.6, 0.9, 0.5], [0, 0, 1, 1], num_bins=4,
                             thr=0.5)
    assert (figures['detections'], figures['faces']) == (4, 2)
    above = figures['above_thr']
    assert above['count'] == 3
    assert above['mean_score'] == pytest.approx((0.6 + 0.9 + 0.5) / 3)
    assert above['face_share'] == pytest.approx(2 / 3)
    assert figures['brier'] == pytest.approx(
        (0.2**2 + 0.6**2 + 0.1**2 + 0.5**2) / 4)
    lines = tool.table_lines(figures)
    assert lines[0] == '4 detections, 2 on a face'
    assert len(lines) == 2 + 4 + 2


@pytest.mark.parametrize('split', ['val', 'train'])
def test_run_on_a_tiny_sample(split, small_sample, random_checkpoint,
                              tmp_path, capsys):
    out = tmp_path / 'reliability.json'
    assert tool.main([
        CONFIG, random_checkpoint, '--split', split, '--min-score', '0',
        '--thr', '0.5', '--json', str(out), '--cfg-options',
        *sample_cfg_options(small_sample, str(tmp_path))]) == 0
    record = json.loads(out.read_text())
    assert record['split'] == split and record['pictures'] == 3
    figures = record['figures']
    bins = figures['bins']
    assert len(bins) == 10
    assert sum(b['count'] for b in bins) == figures['detections'] > 0
    # The threshold 0.5 is a bin edge: its detections are the upper bins'.
    assert figures['above_thr']['count'] == sum(b['count'] for b in bins[5:])
    assert 0 <= figures['faces'] <= figures['detections']
    assert 'face share' in capsys.readouterr().out


def test_missing_files_and_data_are_named(small_sample, random_checkpoint,
                                          tmp_path):
    with pytest.raises(SystemExit) as err:
        tool.main([CONFIG, str(tmp_path / 'none.pth')])
    assert f'{tmp_path / "none.pth"}: checkpoint not found' in str(err.value)
    with pytest.raises(SystemExit) as err:
        tool.main([CONFIG, random_checkpoint, '--cfg-options',
                   f'test_dataloader.dataset.data_root={tmp_path}/absent/'])
    assert 'dataset files are missing' in str(err.value)
    assert f'{tmp_path}/absent' in str(err.value)
