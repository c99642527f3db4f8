"""RFCNOHEMSampler: top-B by classification + regression loss, by hand."""
import math

import torch
from mmdet.models.task_modules.assigners import AssignResult
from mmdet.registry import MODELS, TASK_UTILS
from mmengine.structures import InstanceData

GT = torch.tensor([[0.0, 0.0, 10.0, 10.0], [50.0, 50.0, 70.0, 80.0]])
# Candidates (x1, y1, x2, y2) and their assignment (1-based gt, 0 bg, -1 ignored).
BOXES = torch.tensor([
    [1.0, 1.0, 11.0, 12.0],    # pos gt1
    [20.0, 20.0, 30.0, 30.0],  # neg
    [30.0, 0.0, 40.0, 10.0],   # neg
    [90.0, 0.0, 99.0, 9.0],    # ignored
    [52.0, 48.0, 71.0, 79.0],  # pos gt2
    [10.0, 40.0, 20.0, 50.0],  # neg
    [10.5, 40.0, 20.5, 50.0],  # neg, near-duplicate of the previous one
])
GT_INDS = torch.tensor([1, 0, 0, -1, 2, 0, 0])


class FakeContext:
    """Scores each RoI from its own coordinates, so losses are known."""

    def __init__(self):
        self.bbox_head = MODELS.build(dict(
            type='RFCNBBoxHead', in_channels=4, feat_channels=4,
            roi_feat_size=3, num_classes=1))

    def _bbox_forward(self, feats, rois):
        x1 = rois[:, 1]
        cls_score = torch.stack([x1 / 10, -x1 / 20], dim=1)  # face, background
        bbox_pred = torch.stack([x1 / 100, rois[:, 2] / 100,
                                 torch.zeros_like(x1), torch.zeros_like(x1)], 1)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred)


def hand_loss(box, gt_ind):
    """Cross-entropy + smooth L1 (beta 1) of the deltas, from the formulas."""
    x1, y1, x2, y2 = box.tolist()
    logits = [x1 / 10, -x1 / 20]
    target = 0 if gt_ind > 0 else 1
    ce = -logits[target] + math.log(sum(math.exp(v) for v in logits))
    if gt_ind <= 0:
        return ce
    gx1, gy1, gx2, gy2 = GT[gt_ind - 1].tolist()
    pw, ph, gw, gh = x2 - x1, y2 - y1, gx2 - gx1, gy2 - gy1
    deltas = [((gx1 + gx2) - (x1 + x2)) / 2 / pw / 0.1,
              ((gy1 + gy2) - (y1 + y2)) / 2 / ph / 0.1,
              math.log(gw / pw) / 0.2, math.log(gh / ph) / 0.2]
    pred = [x1 / 100, y1 / 100, 0.0, 0.0]
    sl1 = sum(0.5 * d * d if abs(d) < 1 else abs(d) - 0.5
              for d in (p - t for p, t in zip(pred, deltas)))
    return ce + sl1


def sample(num, nms_thr):
    context = FakeContext()
    sampler = TASK_UTILS.build(
        dict(type='RFCNOHEMSampler', num=num, loss_nms_thr=nms_thr,
             add_gt_as_proposals=False), default_args=dict(context=context))
    labels = torch.where(GT_INDS > 0, 0, -1)
    assign = AssignResult(num_gts=2, gt_inds=GT_INDS.clone(),
                          max_overlaps=torch.zeros(7), labels=labels)
    pred = InstanceData(priors=BOXES.clone())
    gt = InstanceData(bboxes=GT, labels=torch.zeros(2, dtype=torch.long))
    return sampler.sample(assign, pred, gt, feats=[torch.zeros(1)])


def test_keeps_top_b_by_full_loss_without_nms():
    losses = {i: hand_loss(BOXES[i], int(GT_INDS[i])) for i in range(7)
              if GT_INDS[i] >= 0}
    expected = sorted(losses, key=losses.get, reverse=True)[:4]
    res = sample(num=4, nms_thr=None)
    kept = sorted(res.pos_inds.tolist() + res.neg_inds.tolist())
    assert kept == sorted(expected)
    assert all(GT_INDS[i] > 0 for i in res.pos_inds)
    assert all(GT_INDS[i] == 0 for i in res.neg_inds)
    assert 3 not in kept  # ignored RoIs are never sampled


def test_loss_nms_removes_near_duplicates():
    res = sample(num=7, nms_thr=0.7)
    kept = set(res.pos_inds.tolist() + res.neg_inds.tolist())
    # 5 and 6 overlap with IoU 0.9: only the higher-loss one (6) stays.
    assert 6 in kept and 5 not in kept
    assert kept == {0, 1, 2, 4, 6}


def test_sampler_losses_match_hand_formula():
    context = FakeContext()
    sampler = TASK_UTILS.build(dict(type='RFCNOHEMSampler', num=4),
                               default_args=dict(context=context))
    keep = GT_INDS >= 0
    labels = torch.where(GT_INDS[keep] > 0, 0, 1)
    got = sampler.roi_losses(BOXES[keep], labels, GT, GT_INDS[keep],
                             [torch.zeros(1)])
    want = torch.tensor([hand_loss(b, int(g)) for b, g in
                         zip(BOXES[keep], GT_INDS[keep])])
    torch.testing.assert_close(got, want)
