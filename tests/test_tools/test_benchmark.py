"""`tools/analysis_tools/benchmark.py` end to end on a tiny image with small
random models.

ResNet-18 versions of both detectors (Face R-FCN, Faster R-CNN C4) with few
training proposals, a 200 x 160 image, one thread and one timed run each: the
figures mean nothing, but every section of the JSON is produced by the real
code path.
"""
import json
import os
import os.path as osp
import runpy
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from mmfacerfcn.testing.configs import CONFIGS, REPO

BENCHMARK = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py')
ROIS = (8, 32)
# Few training RoIs: C4 runs res5 on each, forward for OHEM and backward.
SMALL_TRAIN = """
    train_cfg=dict(rpn_proposal=dict(max_per_img=16),
                   rcnn=dict(sampler=dict(num=8))),"""
RFCN_R18 = """
_base_ = {base!r}
model = dict({small_train})
"""
FASTER_R18 = """
_base_ = {base!r}
norm_cfg = dict(type='BN', requires_grad=True)
model = dict({small_train}
    backbone=dict(depth=18, frozen_stages=-1, norm_cfg=norm_cfg,
                  norm_eval=False, init_cfg=None),
    rpn_head=dict(in_channels=256, feat_channels=256),
    roi_head=dict(
        shared_head=dict(depth=18, norm_cfg=norm_cfg, norm_eval=False,
                         init_cfg=None),
        bbox_roi_extractor=dict(out_channels=256),
        bbox_head=dict(in_channels=512)))
"""


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('benchmark')
    rfcn = tmp / 'face_rfcn_r18_tiny.py'
    rfcn.write_text(RFCN_R18.format(
        base=osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py'),
        small_train=SMALL_TRAIN))
    faster = tmp / 'faster_rcnn_r18_c4_tiny.py'
    faster.write_text(FASTER_R18.format(
        base=osp.join(CONFIGS, 'faster_rcnn', 'faster_rcnn_r101_c4_wider.py'),
        small_train=SMALL_TRAIN))
    img = tmp / 'face.jpg'
    rng = np.random.default_rng(0)
    cv2.imwrite(str(img), rng.integers(0, 255, (200, 160, 3), dtype=np.uint8))
    out = tmp / 'bench.json'
    proc = subprocess.run(
        [sys.executable, BENCHMARK, '--configs', str(rfcn), str(faster),
         '--img', str(img), '--scale', '200', '160', '--rois',
         *map(str, ROIS), '--repeats', '1', '--warmup', '1', '--train-iters',
         '2', '--train-batch', '1', '--threads', '1', '--fuse-conv-bn',
         '--channels-last', '--json', str(out)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stdout


def test_inference_rows(run):
    results, stdout = run
    assert results['image'] == [200, 160]
    assert results['rfcn_inference'] == dict(fuse_conv_bn=True,
                                             channels_last=True)
    assert 'Face R-FCN with fuse_conv_bn, channels_last' in stdout
    rows = {(r['config'], r['rois']): r for r in results['inference']}
    assert set(rows) == {(c, n) for c in ('face_rfcn_r18_tiny',
                                          'faster_rcnn_r18_c4_tiny')
                         for n in ROIS}
    for (config, n), row in rows.items():
        assert row['rois_used'] == n
        for stage in ('backbone_ms', 'rpn_ms', 'per_roi_ms', 'total_ms'):
            assert row[stage] > 0, (config, n, stage)
        assert row['roi_head_share'] == pytest.approx(
            row['per_roi_ms'] / row['total_ms'])
        if config.startswith('face_rfcn'):
            assert row['shared_ms'] > 0
        else:
            assert row['shared_ms'] == 0
    assert [r['rois'] for r in results['ratios']] == list(ROIS)
    for ratio in results['ratios']:
        rfcn = rows['face_rfcn_r18_tiny', ratio['rois']]['total_ms']
        faster = rows['faster_rcnn_r18_c4_tiny', ratio['rois']]['total_ms']
        assert ratio['faster_over_rfcn'] == pytest.approx(faster / rfcn)
    # Only the RoI-share goal applies at these counts (ratios: 300 and 1000).
    assert len(results['goals']) == len(ROIS)
    assert 'Faster R-CNN / Face R-FCN' in stdout
    for goal in results['goals']:  # the RoI share, written as a percentage
        assert goal['value_text'] == f'{goal["value"]:.1%}'
        assert f'goal: {goal["goal"]}: {goal["value_text"]} -> ' in stdout


def test_ps_roi_and_train_rows(run):
    results, _ = run
    timings = results['ps_roi']['timings']
    assert {(t['backend'], t['layer']) for t in timings} == {
        ('torchvision', 'PSRoIAlign'), ('mmcv', 'PSRoIAlign'),
        ('onnx', 'PSRoIAlign'), ('torchvision', 'PSRoIPool')}
    assert sorted({t['rois'] for t in timings}) == list(ROIS)
    assert all(t['forward_ms'] > 0 for t in timings)
    assert results['ps_roi']['naive_reference_ms_per_roi'] > 0
    assert [t['config'] for t in results['train']] == [
        'face_rfcn_r18_tiny', 'faster_rcnn_r18_c4_tiny']
    for row in results['train']:
        assert row['iter_ms'] > 0 and row['batch'] == 1
        assert row['img_per_s'] == pytest.approx(1e3 / row['iter_ms'])
        # The child's own peak, above what it held before training.
        assert row['peak_mem_mib'] > row['rss_before_train_mib'] > 0
        # RSS after each of the 2 timed iterations, below the peak.
        after = row['mem_after_iter_mib']
        assert len(after) == 2
        assert all(0 < m <= row['peak_mem_mib'] for m in after)
        assert row['mem_growth_mib'] == pytest.approx(after[1] - after[0])
    # CPU peak RSS is not judged against the 16 GB CUDA goal.
    assert not any('training peak' in g['goal'] for g in results['goals'])


def train_row(config, peak, kind='cuda max_memory_allocated'):
    return dict(config=config, batch=2, peak_mem_mib=peak, mem_kind=kind)


def goal_results(peak=9000.):
    return dict(
        ratios=[dict(rois=300, faster_over_rfcn=3.0)],
        inference=[dict(config='rfcn', rois=300, roi_head_share=0.01),
                   dict(config='c4', rois=300, roi_head_share=0.6)],
        train=[train_row('rfcn', peak), train_row('c4', 99999.)])


@pytest.mark.parametrize('peak, met', [(9000., True), (16000., False)])
def test_training_memory_goal_on_cuda(peak, met):
    goals = runpy.run_path(BENCHMARK)['goals']
    results = goal_results(peak)
    out = {g.goal: g for g in goals(results)}
    memory = [g for name, g in out.items() if 'training peak' in name]
    assert len(memory) == 1  # Face R-FCN's row only
    assert memory[0].value == peak and memory[0].met is met
    assert out['Faster R-CNN / Face R-FCN >= 2.5x at 300 RoIs'].met
    # A CPU row (whole-process RSS) is not judged.
    results['train'] = [train_row('rfcn', 99999., 'peak RSS')]
    assert not any('training peak' in g.goal for g in goals(results))


def test_each_goal_writes_its_figure_in_its_own_format():
    tool = runpy.run_path(BENCHMARK)
    texts = [(g.goal.split()[0], g.value_text)
             for g in tool['goals'](goal_results(9000.4))]
    assert texts == [('Faster', '3.00x'), ('Face', '1.0%'), ('Face', '9000 MiB')]
    # The format travels with the goal, not with the words in it.
    goal = tool['Goal']('a ratio that says MiB and RoI head', 0.5, True,
                        tool['RATIO_FORMAT'])
    assert goal.to_json() == dict(goal=goal.goal, value=0.5, met=True,
                                  value_text='0.50x')


def test_ps_roi_cli(tmp_path, monkeypatch, capsys):
    out = tmp_path / 'ps.json'
    monkeypatch.setattr(sys, 'argv', [
        'benchmark_ps_roi.py', '--rois', '4', '--repeats', '1', '--json',
        str(out)])
    runpy.run_path(osp.join(REPO, 'tools', 'analysis_tools',
                            'benchmark_ps_roi.py'), run_name='__main__')
    results = json.loads(out.read_text())
    assert results['map'] == [1, 294, 64, 86] and results['k'] == 7
    assert len(results['timings']) == 4
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith('PSRoIAlign torchvision rois=4')
    assert printed[-1].startswith('naive loop reference (CPU)')


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the refusal')
def test_gpu_script_refuses_without_cuda(tmp_path):
    out = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'benchmark_gpu.sh'),
         str(tmp_path / 'gpu')], capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PY=sys.executable))
    assert out.returncode != 0
    assert 'torch sees no CUDA device' in out.stderr
    assert not (tmp_path / 'gpu').exists()  # nothing ran


DEPLOY = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark_deploy.py')
SAMPLE = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')


def fitted_checkpoint(path):
    """A checkpoint of the sample model, random weights, its verifier
    marked trained (so that predict and the export run it)."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(SAMPLE).model)
    model.verifier.fitted.fill_(True)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path)


def test_deploy_benchmark(tmp_path):
    """benchmark_deploy.py: every backend at every batch size, the export
    weighed, the ratios from the rows themselves; random weights, and a
    checkpoint's (whose trained verifier then runs in every backend)."""
    pytest.importorskip('onnxruntime')
    pytest.importorskip('onnxscript')
    out = tmp_path / 'deploy.json'
    ckpt = fitted_checkpoint(tmp_path / 'fitted.pth')
    proc = subprocess.run(
        [sys.executable, DEPLOY, '--configs', SAMPLE, SAMPLE,
         '--checkpoints', '-', ckpt,
         '--scale', '200', '160', '--batches', '1', '2', '--repeats', '1',
         '--warmup', '0', '--threads', '1', '--keep-onnx',
         str(tmp_path / 'onnx'), '--json', str(out)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results['threads'] == 1
    assert results['providers'] == ['CPUExecutionProvider']
    names = ['face_rfcn_r18_wider-sample', 'face_rfcn_r18_wider-sample+fitted']
    assert [e['config'] for e in results['exports']] == names
    assert [e['checkpoint'] for e in results['exports']] == [None, ckpt]
    assert [e['verifier'] for e in results['exports']] == [False, True]
    for export in results['exports']:
        size = (tmp_path / 'onnx' / f'{export["config"]}.onnx').stat().st_size
        assert export['size_mib'] == pytest.approx(size / 2**20)
        assert export['export_s'] > 0
    rows = {(r['config'], r['backend'], r['batch']): r
            for r in results['rows']}
    assert set(rows) == {(c, b, n) for c in names
                         for b in ('eager', 'eager-fast', 'onnxruntime')
                         for n in (1, 2)}
    for (config, backend, batch), row in rows.items():
        assert row['ms_per_image'] > 0
        assert row['vs_eager'] == pytest.approx(
            rows[config, 'eager', batch]['ms_per_image'] /
            row['ms_per_image'])
    assert 'onnxruntime' in proc.stdout and 'vs eager' in proc.stdout


def test_deploy_benchmark_wants_a_checkpoint_per_config(tmp_path):
    proc = subprocess.run(
        [sys.executable, DEPLOY, '--configs', SAMPLE, SAMPLE,
         '--checkpoints', '-'], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert '1 checkpoint(s) for 2 config(s)' in proc.stderr


def test_deploy_benchmark_names_a_missing_checkpoint(tmp_path):
    pytest.importorskip('onnxruntime')
    missing = str(tmp_path / 'missing.pth')
    proc = subprocess.run(
        [sys.executable, DEPLOY, '--configs', SAMPLE, '--checkpoints',
         missing, '--scale', '200', '160'],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert f'{missing}: checkpoint not found' in proc.stderr
