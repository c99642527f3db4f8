"""Helpers of the benchmarks (:mod:`mmfacerfcn.testing.benchmark`): exact
proposal counts, boxes, timing, configs.

Not named ``test_benchmark.py``: that is the tool's test in tests/test_tools,
and pytest needs test file names unique across folders without __init__.py.
"""
import os.path as osp

import pytest
import torch
from mmengine.structures import InstanceData

from mmfacerfcn.testing import benchmark
from mmfacerfcn.testing.benchmark import (
    drop_pretrained,
    fixed_proposals,
    load_benchmark_cfg,
    ps_roi_timings,
    random_boxes,
    random_rois,
    timed,
)
from mmfacerfcn.testing.configs import CONFIGS


def rpn_output(scores):
    out = InstanceData()
    n = len(scores)
    out.bboxes = torch.arange(4 * n, dtype=torch.float32).view(n, 4)
    out.scores = torch.tensor(scores, dtype=torch.float32)
    out.labels = torch.zeros(n, dtype=torch.long)
    return out


def assert_inside(boxes, h, w):
    x1, y1, x2, y2 = boxes.unbind(1)
    assert (x1 >= 0).all() and (y1 >= 0).all()
    assert (x2 <= w).all() and (y2 <= h).all()
    assert (x2 > x1).all() and (y2 > y1).all()


def test_fixed_proposals_keeps_the_best():
    rpn = rpn_output([0.1, 0.9, 0.5, 0.7, 0.3])
    out = fixed_proposals(rpn, 3, (100, 80))
    assert out.scores.tolist() == pytest.approx([0.9, 0.7, 0.5])
    assert torch.equal(out.bboxes, rpn.bboxes[[1, 3, 2]])
    assert out.labels.tolist() == [0, 0, 0]
    exact = fixed_proposals(rpn, 5, (100, 80))
    assert len(exact) == 5 and torch.equal(exact.bboxes, rpn.bboxes[[1, 3, 2, 4, 0]])


def test_fixed_proposals_pads_inside_the_image():
    rpn = rpn_output([0.2, 0.6])
    h, w = 150, 90  # smaller than random_boxes' 400-pixel side
    out = fixed_proposals(rpn, 40, (h, w), seed=3)
    assert len(out) == 40 and out.bboxes.shape == (40, 4)
    assert torch.equal(out.bboxes[:2], rpn.bboxes[[1, 0]])
    assert_inside(out.bboxes[2:], h, w)
    assert out.scores[2:].eq(0).all()
    again = fixed_proposals(rpn, 40, (h, w), seed=3)
    assert torch.equal(out.bboxes, again.bboxes)
    other = fixed_proposals(rpn, 40, (h, w), seed=4)
    assert not torch.equal(out.bboxes, other.bboxes)
    empty = fixed_proposals(rpn_output([]), 7, (h, w))
    assert len(empty) == 7
    assert_inside(empty.bboxes, h, w)


def test_random_boxes_and_rois():
    gen = torch.Generator().manual_seed(0)
    boxes = random_boxes(500, 30, 20, gen)  # image smaller than min_side * 4
    assert_inside(boxes, 30, 20)
    # random_rois keeps the numbers the PS benchmark always drew.
    rois = random_rois(50, 64, 86, 16, torch.Generator().manual_seed(1))
    gen = torch.Generator().manual_seed(1)
    wh = torch.rand(50, 2, generator=gen) * 392 + 8
    xy = torch.rand(50, 2, generator=gen) * (torch.tensor([86 * 16, 64 * 16]) - wh)
    assert torch.allclose(rois[:, 1:], torch.cat([xy, xy + wh], 1))
    assert rois[:, 0].eq(0).all()


def test_timed_counts_runs_and_syncs_cuda(monkeypatch):
    calls, syncs = [], []
    monkeypatch.setattr(torch.cuda, 'synchronize', lambda: syncs.append(1))
    assert timed(lambda: calls.append(1), 'cpu', repeats=3, warmup=2) >= 0
    assert len(calls) == 5 and not syncs
    timed(lambda: calls.append(1), 'cuda:0', repeats=2, warmup=1)
    assert len(calls) == 8 and len(syncs) == 4  # before and after each timed run


def test_drop_pretrained_and_cfg_overrides():
    cfg = load_benchmark_cfg(
        osp.join(CONFIGS, 'faster_rcnn', 'faster_rcnn_r101_c4_wider.py'),
        scale=(200, 160), max_rois=1000)
    assert 'Pretrained' not in str(cfg.model)
    assert cfg.model.backbone.init_cfg is None
    assert cfg.model.roi_head.shared_head.init_cfg is None
    assert cfg.model.test_cfg.rpn.max_per_img == 1000
    resize = [s for s in cfg.test_dataloader.dataset.pipeline
              if s['type'] == 'Resize']
    assert resize[0]['scale'] == (200, 160)
    tree = dict(a=[dict(init_cfg=[dict(type='Pretrained', checkpoint='x'),
                                  dict(type='Normal', std=0.01)])],
                b=dict(pretrained='y', init_cfg=dict(type='Kaiming')))
    drop_pretrained(tree)
    assert tree == dict(a=[dict(init_cfg=[dict(type='Normal', std=0.01)])],
                        b=dict(pretrained=None, init_cfg=dict(type='Kaiming')))


def test_ps_roi_timings_rows():
    results = ps_roi_timings(k=3, rois=(5, 9), repeats=1, warmup=0,
                             map_hw=(8, 10), naive_rois=1)
    assert results['map'] == [1, 6 * 9, 8, 10]
    assert [(t['backend'], t['layer'], t['rois']) for t in results['timings']] == [
        (b, layer, n) for n in (5, 9)
        for b, layer in benchmark.PS_ROI_BACKENDS]
    assert all(t['forward_backward_ms'] > 0 for t in results['timings'])
    assert results['naive_reference_ms_per_roi'] > 0
    lines = benchmark.ps_roi_lines(results)
    assert len(lines) == 9 and lines[-1].startswith('naive loop reference')
