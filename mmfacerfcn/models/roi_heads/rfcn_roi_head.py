"""RoI head that runs R-FCN's score maps over the whole image before pooling."""
from typing import Tuple

from mmdet.models.roi_heads import StandardRoIHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import InstanceList
from torch import Tensor


@MODELS.register_module()
class RFCNRoIHead(StandardRoIHead):
    """R-FCN RoI head (arXiv 1605.06409).

    Where Faster R-CNN C4 runs res5 (the ``shared_head``) on every RoI, R-FCN
    runs it once over the whole image (stride 1, dilation 2), then the head's
    1x1 convs make position-sensitive score maps, and only PS pooling and the
    vote remain per RoI. This class is the one place that knows that order:
    ``loss``, ``predict`` and ``forward`` turn the backbone features into score
    maps and hand those to :class:`StandardRoIHead`, whose ``_bbox_forward``
    (overridden here) pools and votes. Samplers that call ``_bbox_forward``
    (OHEM) thus reuse the maps instead of recomputing res5.

    Expects ``bbox_roi_extractor`` to be a ``PSRoIExtractor`` and ``bbox_head``
    an ``RFCNBBoxHead``; masks are not supported.
    """

    def init_mask_head(self, mask_roi_extractor, mask_head) -> None:
        raise ValueError('RFCNRoIHead has no mask branch')

    def score_maps(self, x: Tuple[Tensor]) -> Tuple[Tensor]:
        """Whole-image PS score maps from the last backbone feature.

        Args:
            x (tuple[Tensor]): Backbone features; the last one (conv4, stride
                16) feeds res5.

        Returns:
            tuple[Tensor]: One tensor, shape (B, (C + 5) * k * k, H, W).
        """
        feat = x[-1]
        if self.with_shared_head:
            feat = self.shared_head(feat)
        return (self.bbox_head.forward_score_maps(feat), )

    def _bbox_forward(self, x: Tuple[Tensor], rois: Tensor) -> dict:
        """Pool and vote.

        Args:
            x (tuple[Tensor]): Score maps from :meth:`score_maps`.
            rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)``.

        Returns:
            dict: ``cls_score`` (n, C + 1), ``bbox_pred`` (n, 4) and
            ``bbox_feats``, the pooled bins (n, C + 5, k, k).
        """
        bins = self.bbox_roi_extractor(x[:self.bbox_roi_extractor.num_inputs],
                                       rois)
        cls_score, bbox_pred = self.bbox_head(bins)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=bins)

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        """Losses of the RoI head; see :meth:`StandardRoIHead.loss`."""
        return super().loss(self.score_maps(x), rpn_results_list,
                            batch_data_samples)

    def predict(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList,
                rescale: bool = False) -> InstanceList:
        """Detections; see :meth:`StandardRoIHead.predict`."""
        return super().predict(self.score_maps(x), rpn_results_list,
                               batch_data_samples, rescale)

    def forward(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
                batch_data_samples: SampleList = None) -> tuple:
        """Raw head outputs; see :meth:`StandardRoIHead.forward`."""
        return super().forward(self.score_maps(x), rpn_results_list,
                               batch_data_samples)
