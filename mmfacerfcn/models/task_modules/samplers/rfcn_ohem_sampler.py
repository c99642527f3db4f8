"""R-FCN's online hard example mining (arXiv 1605.06409 Sec. 2; OHEM, 1604.03540).

mmdet's ``OHEMSampler`` mines positives and negatives separately, ranked by
classification loss alone, under a positive fraction. R-FCN instead ranks *all*
RoIs of an image by their full loss (classification + box regression) and keeps
the top ``num`` (B = 128 of 300), whatever their labels; the OHEM paper first
removes near-duplicate RoIs by NMS over the losses. That is what this sampler
does.
"""
from typing import List, Optional

import torch
from mmcv.ops import nms
from mmdet.models.task_modules.samplers import BaseSampler
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox2roi
from torch import Tensor


@TASK_UTILS.register_module()
class RFCNOHEMSampler(BaseSampler):
    """Keep the ``num`` RoIs of highest classification + regression loss.

    Args:
        num (int): RoIs kept per image ``B``.
        context (RFCNRoIHead): The RoI head; its ``_bbox_forward`` and
            ``bbox_head`` losses score the candidates (without gradient).
        add_gt_as_proposals (bool): Add ground-truth boxes as candidates.
            Defaults to True.
        loss_nms_thr (float, optional): IoU threshold of the NMS over RoIs
            ranked by loss before taking the top ``num`` (OHEM: 0.7). None
            disables it. Defaults to 0.7.
    """

    def __init__(self,
                 num: int,
                 context,
                 add_gt_as_proposals: bool = True,
                 loss_nms_thr: Optional[float] = 0.7,
                 **kwargs) -> None:
        # pos_fraction=1: _sample_pos may return up to `num` positives; the
        # negatives are whatever the joint ranking kept besides them.
        super().__init__(num=num, pos_fraction=1.0, neg_pos_ub=-1,
                         add_gt_as_proposals=add_gt_as_proposals)
        self.context = context
        self.loss_nms_thr = loss_nms_thr
        self._kept_neg: Optional[Tensor] = None

    def sample(self, assign_result, pred_instances, gt_instances, **kwargs):
        """See :meth:`BaseSampler.sample`; ``feats`` must be in kwargs."""
        return super().sample(assign_result, pred_instances, gt_instances,
                              gt_bboxes=gt_instances.bboxes, **kwargs)

    def roi_losses(self, bboxes: Tensor, labels: Tensor, gt_bboxes: Tensor,
                   gt_inds: Tensor, feats: List[Tensor]) -> Tensor:
        """Per-RoI loss, classification plus regression (positives only).

        Args:
            bboxes (Tensor): Candidate boxes, shape (n, 4).
            labels (Tensor): Class per candidate, ``num_classes`` for
                background, shape (n, ).
            gt_bboxes (Tensor): Ground truth, shape (m, 4).
            gt_inds (Tensor): 1-based assigned gt per candidate, 0 for
                background, shape (n, ).
            feats (list[Tensor]): The image's score maps.

        Returns:
            Tensor: shape (n, ).
        """
        head = self.context.bbox_head
        with torch.no_grad():
            out = self.context._bbox_forward(feats, bbox2roi([bboxes]))
            loss = head.loss_cls(out['cls_score'], labels,
                                 reduction_override='none')
            pos = gt_inds > 0
            if pos.any():
                targets = head.bbox_coder.encode(bboxes[pos],
                                                 gt_bboxes[gt_inds[pos] - 1])
                loss[pos] += head.loss_bbox(out['bbox_pred'][pos], targets,
                                            reduction_override='none').sum(-1)
        return loss

    def _sample_pos(self, assign_result, num_expected: int, bboxes: Tensor,
                    feats: List[Tensor], gt_bboxes: Tensor, **kwargs) -> Tensor:
        """Rank every non-ignored candidate; return the kept positives.

        The kept negatives are remembered for :meth:`_sample_neg`, which the
        base class calls next.
        """
        gt_inds = assign_result.gt_inds
        cand = torch.nonzero(gt_inds >= 0, as_tuple=False).squeeze(1)
        labels = assign_result.labels[cand].clone()
        labels[gt_inds[cand] == 0] = self.context.bbox_head.num_classes
        loss = self.roi_losses(bboxes[cand], labels, gt_bboxes,
                               gt_inds[cand], feats)
        if self.loss_nms_thr is not None and cand.numel() > 0:
            _, order = nms(bboxes[cand].float(), loss.float(),
                           self.loss_nms_thr)
        else:
            order = loss.argsort(descending=True)
        kept = cand[order[:num_expected]]
        is_pos = gt_inds[kept] > 0
        self._kept_neg = kept[~is_pos]
        return kept[is_pos]

    def _sample_neg(self, assign_result, num_expected: int, **kwargs) -> Tensor:
        """The negatives the joint ranking of :meth:`_sample_pos` kept."""
        neg, self._kept_neg = self._kept_neg, None
        return neg[:num_expected]
