"""Face R-FCN's whole predict path as one exportable module.

mmdet's ``TwoStageDetector.predict`` runs on lists, ``InstanceData`` and
per-image Python loops, with data-dependent branches (``if rois.shape[0] ==
0``) that no exporter can record. :class:`ONNXFaceRFCN` recomputes the same
detections with tensor ops only, reading every number from the detector and
its ``test_cfg``:

1. the data preprocessor: BGR -> RGB, ``(x - mean) / std``, the padded area
   set to ``pad_value`` (mmdet pads *after* normalising), padding to
   ``pad_size_divisor``;
2. backbone (and neck) and the RPN head's own ``forward``;
3. per image and level the ``nms_pre`` best anchors (mmdet sorts and cuts:
   a top-k), anchors from the generator's ``single_level_grid_priors``,
   delta decoding clipped to the image, the ``min_bbox_size`` filter, NMS
   (IoU ``nms.iou_threshold``, separate per level and image, as mmdet's
   ``batched_nms``), then ``max_per_img`` proposals per image;
4. res5 and the score maps once per image (``RFCNRoIHead.score_maps``),
   PS RoI align with the extractor's ``'onnx'`` layer
   (:class:`GridSamplePSRoIAlign`, same weights: the layer has none), the
   head's vote;
5. softmax over ``C + 1``, class-agnostic delta decoding clipped to the
   image, ``score > score_thr``, NMS per class and image, ``max_per_img``;
6. where the detector is a ``VerifiedTwoStageDetector`` with a trained
   verifier, its rescoring (grey crops sampled with ``grid_sample``):
   of the detections above ``score_thr`` before the NMS of step 5 where it
   rescores before NMS (the NMS then keeps the blended scores' order),
   else of step 5's detections, then a sort by the new score; then the
   final scores' calibration (``CropVerifier.calibrate_detections``).

Outputs are flat over the batch (``dets (N, 5)``, ``labels (N,)``,
``batch_idx (N,)``): NMS leaves a data-dependent count per image, and
ONNX's NonZero / NonMaxSuppression give exactly such flat tensors, so no
padding constant or per-image loop enters the graph; a caller splits by
``batch_idx``. Per-image separation is mmdet's own trick of offsetting the
boxes of each group (image, level or class) by ``(max coordinate + 1)``
before one NMS; with one image and one level or class the offset is zero,
so batch 1 is mmdet's computation, not an approximation of it.
"""
import math
from typing import Tuple

import torch
import torch.nn.functional as F
from mmdet.models.detectors import TwoStageDetector
from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoder
from torch import Tensor, nn
from torchvision.ops import nms

from ..models.roi_heads.bbox_heads import RFCNBBoxHead
from ..models.roi_heads.rfcn_roi_head import RFCNRoIHead
from ..models.roi_heads.roi_extractors import PSRoIExtractor


class NotExportableError(ValueError):
    """The detector holds a module or setting the exported graph cannot
    reproduce; the message names it."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotExportableError(message)


def onnx_ps_layer(extractor: PSRoIExtractor) -> nn.Module:
    """The ``'onnx'`` backend's layer for ``extractor``'s configuration.

    The PS layers hold no weights, so rebuilding the extractor with
    ``backend='onnx'`` from the same ``roi_layer`` and stride keeps the model
    unchanged.

    Raises:
        NotExportableError: ``PSRoIPool``, or an adaptive ``sampling_ratio``,
            naming the module and value.
    """
    layer = extractor.roi_layers[0]
    layer_type = type(layer).__name__
    if layer_type == 'GridSamplePSRoIAlign':
        return layer
    if layer_type not in ('PSRoIAlign', 'MMCVPSRoIAlign'):
        raise NotExportableError(
            f'bbox_roi_extractor: {layer_type} (backend '
            f'{extractor.backend!r}) cannot be exported: only PSRoIAlign has '
            'an ONNX form (GridSamplePSRoIAlign); position-sensitive average '
            'pooling (PSRoIPool) has none')
    ratio = int(layer.sampling_ratio)
    if ratio <= 0:
        raise NotExportableError(
            f'bbox_roi_extractor: PSRoIAlign with sampling_ratio={ratio} '
            '(adaptive: ceil(roi_size / k) samples per RoI) cannot be '
            'exported, its shapes depend on the data; set a fixed '
            'sampling_ratio >= 1 (the configs use 2)')
    roi_layer = dict(type='PSRoIAlign', output_size=extractor.output_size,
                     sampling_ratio=ratio)
    onnx_ext = PSRoIExtractor(roi_layer=roi_layer, backend='onnx',
                              featmap_strides=list(extractor.featmap_strides))
    return onnx_ext.roi_layers[0]


def check_exportable(detector: nn.Module) -> None:
    """Refuse a detector :class:`ONNXFaceRFCN` cannot reproduce.

    Raises:
        NotExportableError: naming the first module or setting at fault.
    """
    _require(isinstance(detector, TwoStageDetector),
             f'detector: {type(detector).__name__} is not a TwoStageDetector')
    _require(detector.with_rpn, 'detector: no rpn_head')
    roi_head = detector.roi_head
    _require(isinstance(roi_head, RFCNRoIHead),
             f'roi_head: {type(roi_head).__name__} is not RFCNRoIHead')
    _require(isinstance(roi_head.bbox_head, RFCNBBoxHead),
             f'bbox_head: {type(roi_head.bbox_head).__name__} is not '
             'RFCNBBoxHead')
    _require(isinstance(roi_head.bbox_roi_extractor, PSRoIExtractor),
             f'bbox_roi_extractor: {type(roi_head.bbox_roi_extractor).__name__}'
             ' is not PSRoIExtractor')
    _require(not roi_head.bbox_head.custom_cls_channels,
             'bbox_head: a loss with a custom activation '
             f'({type(roi_head.bbox_head.loss_cls).__name__}) is not '
             'exported; the graph applies softmax')
    for name, coder in (('rpn_head', detector.rpn_head.bbox_coder),
                        ('bbox_head', roi_head.bbox_head.bbox_coder)):
        _require(type(coder) is DeltaXYWHBBoxCoder,
                 f'{name}.bbox_coder: {type(coder).__name__} is not '
                 'DeltaXYWHBBoxCoder')
    for stage in ('rpn', 'rcnn'):
        cfg = detector.test_cfg[stage]
        nms_type = cfg.nms.get('type', 'nms')
        _require(nms_type == 'nms',
                 f'test_cfg.{stage}.nms: type {nms_type!r}; only plain '
                 "'nms' maps to ONNX NonMaxSuppression")
    _require(detector.rpn_head.test_cfg.get('max_per_img') is not None,
             'test_cfg.rpn: no max_per_img')
    onnx_ps_layer(roi_head.bbox_roi_extractor)


def decode_deltas(coder: DeltaXYWHBBoxCoder, priors: Tensor, deltas: Tensor,
                  max_hw: Tensor) -> Tensor:
    """``DeltaXYWHBBoxCoder.decode`` with a size per box to clip to.

    mmdet's ``delta2bbox`` clips every box to one image's shape and returns
    early on empty input (a branch on a data-dependent count once it follows
    NMS); the formula is the same: means and stds, centre shift by the
    prior's size, ``exp`` of the size deltas clamped at ``|log(16 / 1000)|``
    (``max_ratio``), clipping to ``[0, w] x [0, h]`` when ``clip_border``.

    Args:
        coder (DeltaXYWHBBoxCoder): Gives means, stds and clipping.
        priors (Tensor): shape (..., 4), ``(x1, y1, x2, y2)``.
        deltas (Tensor): shape (..., 4), ``(dx, dy, dw, dh)``.
        max_hw (Tensor): shape broadcastable to (..., 2), the ``(h, w)`` of
            each box's image.

    Returns:
        Tensor: shape (..., 4).
    """
    means = deltas.new_tensor(coder.means)
    stds = deltas.new_tensor(coder.stds)
    deltas = deltas * stds + means
    dxy, dwh = deltas[..., :2], deltas[..., 2:]
    pxy = (priors[..., :2] + priors[..., 2:]) * 0.5
    pwh = priors[..., 2:] - priors[..., :2]
    dxy_wh = pwh * dxy
    max_ratio = abs(math.log(16 / 1000))  # mmdet's wh_ratio_clip
    if coder.add_ctr_clamp:
        dxy_wh = dxy_wh.clamp(min=-coder.ctr_clamp, max=coder.ctr_clamp)
        dwh = dwh.clamp(max=max_ratio)
    else:
        dwh = dwh.clamp(min=-max_ratio, max=max_ratio)
    gxy = pxy + dxy_wh
    gwh = pwh * dwh.exp()
    x1y1 = gxy - gwh * 0.5
    x2y2 = gxy + gwh * 0.5
    if coder.clip_border:
        wh = max_hw.flip(-1).to(deltas.dtype)
        zero = deltas.new_zeros(())
        x1y1 = torch.minimum(torch.maximum(x1y1, zero), wh)
        x2y2 = torch.minimum(torch.maximum(x2y2, zero), wh)
    return torch.cat([x1y1, x2y2], dim=-1)


def grouped_nms(boxes: Tensor, scores: Tensor, groups: Tensor,
                iou_threshold: float) -> Tensor:
    """NMS within each group, as mmcv's ``batched_nms`` does it.

    Each group's boxes are shifted by ``group * (max coordinate + 1)`` so
    groups never overlap, then one NMS runs. ``torchvision.ops.nms`` is
    exported by torch's dynamo exporter (its onnxscript torch_lib) as ONNX
    ``NonMaxSuppression``; like mmcv's kernel it suppresses at IoU strictly
    above the threshold, areas without a +1.

    Args:
        boxes (Tensor): shape (n, 4).
        scores (Tensor): shape (n,).
        groups (Tensor): shape (n,), integer group of each box.
        iou_threshold (float): Suppress at IoU above this.

    Returns:
        Tensor: shape (m,), int64 indices of the kept boxes, by score
        descending.
    """
    # mmcv takes boxes.max(); the zero keeps an empty input legal (the max
    # of nothing is an error in torch) and changes nothing for clipped,
    # non-negative boxes.
    max_coordinate = torch.cat([boxes.reshape(-1), boxes.new_zeros(1)]).max()
    offsets = groups.to(boxes.dtype) * (max_coordinate + 1)
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def cap_per_image(keep: Tensor, batch_idx: Tensor, num_images: int,
                  max_per_img: int) -> Tensor:
    """The first ``max_per_img`` of ``keep`` within each image.

    Args:
        keep (Tensor): shape (m,), indices in score order.
        batch_idx (Tensor): shape (n,), image of every indexed box.
        num_images (int): Batch size.
        max_per_img (int): Boxes per image to keep; ``<= 0`` keeps all.

    Returns:
        Tensor: the kept part of ``keep``, order unchanged.
    """
    if max_per_img <= 0:
        return keep
    images = torch.arange(num_images, device=keep.device)
    one_hot = (batch_idx[keep][:, None] == images[None]).to(torch.int64)
    rank = (one_hot.cumsum(0) * one_hot).sum(1) - 1
    return keep[rank < max_per_img]


class ONNXFaceRFCN(nn.Module):
    """Face R-FCN detection from raw pixels to boxes, in exportable ops.

    Args:
        detector (TwoStageDetector): With an RPN, :class:`RFCNRoIHead`,
            :class:`RFCNBBoxHead` and a :class:`PSRoIExtractor` whose
            ``PSRoIAlign`` has a fixed ``sampling_ratio``. Its modules are
            shared, not copied; it is put in eval mode. A
            ``VerifiedTwoStageDetector`` whose verifier is trained when the
            wrapper is made gets its rescoring in the graph.

    Raises:
        NotExportableError: The detector holds anything else (see
            :func:`check_exportable`).
    """

    def __init__(self, detector: TwoStageDetector) -> None:
        super().__init__()
        check_exportable(detector)
        detector.eval()
        self.detector = detector
        self.ps_layer = onnx_ps_layer(detector.roi_head.bbox_roi_extractor)
        pre = detector.data_preprocessor
        self.bgr_to_rgb = bool(getattr(pre, '_channel_conversion', False))
        self.normalize = bool(getattr(pre, '_enable_normalize', False))
        self.pad_size_divisor = int(getattr(pre, 'pad_size_divisor', 1))
        self.pad_value = float(getattr(pre, 'pad_value', 0))
        self.rpn_cfg = detector.rpn_head.test_cfg
        self.rcnn_cfg = detector.roi_head.test_cfg
        # Read once here: the exporter cannot branch on a buffer's value.
        self.verify = bool(getattr(detector, 'verifies', False))
        self.rescore_before_nms = bool(
            getattr(detector, 'rescore_before_nms', False))

    def preprocess(self, images: Tensor, img_shapes: Tensor) -> Tensor:
        """What ``DetDataPreprocessor`` does to a padded uint8-range batch.

        Args:
            images (Tensor): shape (B, 3, H, W), pixel values 0-255 in the
                channel order the pipeline loads (BGR for mmdet), each image
                at the top left, anything in the padded area.
            img_shapes (Tensor): shape (B, 2), each image's ``(h, w)``.

        Returns:
            Tensor: shape (B, 3, H', W'), normalised, ``pad_value`` outside
            each image, ``H'`` and ``W'`` rounded up to ``pad_size_divisor``.
        """
        pre = self.detector.data_preprocessor
        x = images.float()
        if self.bgr_to_rgb:
            x = x.flip(1)
        if self.normalize:
            x = (x - pre.mean) / pre.std
        height, width = x.shape[-2:]
        rows = torch.arange(height, device=x.device)[None] < img_shapes[:, :1]
        cols = torch.arange(width, device=x.device)[None] < img_shapes[:, 1:]
        inside = rows[:, None, :, None] & cols[:, None, None, :]
        x = torch.where(inside, x, x.new_full((), self.pad_value))
        d = self.pad_size_divisor
        if d > 1:
            x = F.pad(x, (0, (d - width % d) % d, 0, (d - height % d) % d),
                      value=self.pad_value)
        return x

    def proposals(self, feats: Tuple[Tensor],
                  img_shapes: Tensor) -> Tuple[Tensor, Tensor]:
        """RPN proposals of the whole batch, as mmdet's ``RPNHead.predict``.

        Returns:
            tuple[Tensor, Tensor]: ``boxes`` (n, 4) and ``batch_idx`` (n,),
            images interleaved in score order.
        """
        head = self.detector.rpn_head
        cfg = self.rpn_cfg
        cls_scores, bbox_preds = head(feats)
        num_images = cls_scores[0].size(0)
        nms_pre = cfg.get('nms_pre', -1)
        all_boxes, all_scores, all_groups = [], [], []
        for level, (cls_score, bbox_pred) in enumerate(
                zip(cls_scores, bbox_preds)):
            priors = head.prior_generator.single_level_grid_priors(
                cls_score.shape[-2:], level, dtype=cls_score.dtype,
                device=cls_score.device)
            cls_score = cls_score.permute(0, 2, 3, 1).reshape(
                num_images, -1, head.cls_out_channels)
            if head.use_sigmoid_cls:
                scores = cls_score.sigmoid()[..., 0]
            else:
                scores = cls_score.softmax(-1)[..., 0]
            deltas = bbox_pred.permute(0, 2, 3, 1).reshape(num_images, -1, 4)
            count = scores.size(1)
            if nms_pre > 0:
                # sym_min: a symbolic k, no guard on the image size.
                scores, inds = scores.topk(torch.sym_min(nms_pre, count), 1)
                deltas = deltas.gather(1, inds[..., None].expand(-1, -1, 4))
                priors = priors[inds]
            else:
                priors = priors[None].expand(num_images, -1, -1)
            boxes = decode_deltas(head.bbox_coder, priors, deltas,
                                  img_shapes[:, None])
            all_boxes.append(boxes.reshape(-1, 4))
            all_scores.append(scores.reshape(-1))
            image = torch.arange(num_images, device=boxes.device)
            all_groups.append(
                (image * len(cls_scores) + level)[:, None].expand(
                    -1, scores.size(1)).reshape(-1))
        boxes = torch.cat(all_boxes)
        scores = torch.cat(all_scores)
        groups = torch.cat(all_groups)
        min_size = cfg.get('min_bbox_size', -1)
        if min_size >= 0:
            wh = boxes[:, 2:] - boxes[:, :2]
            valid = (wh[:, 0] > min_size) & (wh[:, 1] > min_size)
            boxes, scores, groups = boxes[valid], scores[valid], groups[valid]
        batch_idx = groups // len(cls_scores)
        keep = grouped_nms(boxes, scores, groups, cfg.nms.iou_threshold)
        keep = cap_per_image(keep, batch_idx, num_images, cfg.max_per_img)
        return boxes[keep], batch_idx[keep]

    def rescore(self, inputs: Tensor, boxes: Tensor, scores: Tensor,
                batch_idx: Tensor) -> Tensor:
        """``VerifiedTwoStageDetector``'s blend of the detector's and its
        verifier's scores.

        Args:
            inputs (Tensor): The preprocessed batch, shape (B, 3, H, W).
            boxes (Tensor): shape (n, 4), input pixels.
            scores (Tensor): The detector's, shape (n,).
            batch_idx (Tensor): The picture of each box, shape (n,).

        Returns:
            Tensor: shape (n,).
        """
        rois = torch.cat([batch_idx[:, None].to(boxes.dtype), boxes], 1)
        return self.detector.verifier.rescore(
            scores, self.detector.roi_logits(inputs, rois))

    def forward(self, images: Tensor,
                img_shapes: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Detect.

        Args:
            images (Tensor): shape (B, 3, H, W), float, pixel values 0-255 as
                the data preprocessor receives them: resized by the test
                pipeline and placed at the top left of the batch tensor.
            img_shapes (Tensor): shape (B, 2), int64, each image's resized
                ``(h, w)`` (mmdet's ``img_shape``): boxes are clipped to it
                and the rest is padding.

        Returns:
            tuple[Tensor, Tensor, Tensor]: ``dets`` (N, 5), ``(x1, y1, x2,
            y2, score)`` in resized-image pixels; ``labels`` (N,), int64;
            ``batch_idx`` (N,), int64, the image of each detection.
            Detections are in score order, images interleaved.
        """
        detector = self.detector
        num_images = images.size(0)
        inputs = self.preprocess(images, img_shapes)
        x = detector.extract_feat(inputs)
        boxes, roi_batch = self.proposals(x, img_shapes)

        roi_head = detector.roi_head
        maps = roi_head.score_maps(x)[0]
        rois = torch.cat([roi_batch[:, None].to(boxes.dtype), boxes], dim=1)
        cls_score, bbox_pred = roi_head.bbox_head(self.ps_layer(maps, rois))
        scores = cls_score.softmax(-1)[:, :-1]
        num_classes = scores.size(1)
        boxes = decode_deltas(roi_head.bbox_head.bbox_coder, boxes, bbox_pred,
                              img_shapes[roi_batch])

        cfg = self.rcnn_cfg
        boxes = boxes[:, None].expand(-1, num_classes, -1).reshape(-1, 4)
        labels = torch.arange(num_classes, device=boxes.device)[None].expand(
            scores.size(0), -1).reshape(-1)
        det_batch = roi_batch[:, None].expand(-1, num_classes).reshape(-1)
        scores = scores.reshape(-1)
        valid = scores > cfg.score_thr
        boxes, scores = boxes[valid], scores[valid]
        labels, det_batch = labels[valid], det_batch[valid]
        if self.verify and self.rescore_before_nms:
            scores = self.rescore(inputs, boxes, scores, det_batch)
        keep = grouped_nms(boxes, scores, det_batch * num_classes + labels,
                           cfg.nms.iou_threshold)
        keep = cap_per_image(keep, det_batch, num_images, cfg.max_per_img)
        boxes, scores = boxes[keep], scores[keep]
        labels, det_batch = labels[keep], det_batch[keep]
        if self.verify and not self.rescore_before_nms:
            scores = self.rescore(inputs, boxes, scores, det_batch)
            scores, order = scores.sort(descending=True)
            boxes, labels, det_batch = boxes[order], labels[order], \
                det_batch[order]
        if self.verify:  # monotone: the order stays
            scores = detector.verifier.calibrate_detections(scores)
        dets = torch.cat([boxes, scores[:, None]], dim=1)
        return dets, labels, det_batch
