"""A two-stage detector whose detections a crop verifier rescores."""
from typing import List

import torch
from mmcv.ops import batched_nms
from mmdet.models.detectors import TwoStageDetector
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import scale_boxes
from mmdet.utils import InstanceList, OptConfigType
from mmengine.structures import InstanceData
from torch import Tensor

from ...utils.overrides import overridden
from ..verifiers.crop_verifier import grey_pixels


@MODELS.register_module()
class VerifiedTwoStageDetector(TwoStageDetector):
    """mmdet's ``TwoStageDetector`` with an optional second look at its
    detections (:class:`~mmfacerfcn.models.verifiers.CropVerifier`).

    Until the verifier is trained (``verifier.fitted``, set by
    :class:`~mmfacerfcn.engine.hooks.CropVerifierTrainHook`), ``predict`` is
    mmdet's. Once it is, the verifier crops each detection from the input
    batch and its score becomes the blend of the two
    (``CropVerifier.rescore``):

    * ``rescore_before_nms=True``: the RoI head's detections *before* its
      NMS (:meth:`candidates`: every RoI's box for each class scoring above
      ``test_cfg.rcnn.score_thr``) are rescored, and NMS and
      ``max_per_img`` then run on the blended scores. Where several boxes
      cover one face, the one the verifier finds most face-like survives,
      not the one the detector happened to score highest;
    * ``rescore_before_nms=False``: mmdet's final detections (after NMS)
      are rescored and re-sorted; the boxes are mmdet's.

    Either way the final scores then go through the verifier's
    ``calibrate_detections`` (a monotone map, fitted by the hook on the
    final detections of the training set).

    Training (``loss``) is mmdet's: the verifier learns afterwards, from the
    trained detector's own detections (:meth:`verifier_inputs`); until then
    its parameters require no gradient (DDP would otherwise wait for
    theirs).

    Args:
        verifier (dict, optional): Config of the verifier. Defaults to None:
            the detector is mmdet's ``TwoStageDetector``.
        rescore_before_nms (bool): Rescore the RoI head's detections before
            its NMS (see above). Defaults to True.
        **kwargs: ``TwoStageDetector``'s arguments.
    """

    def __init__(self, *args, verifier: OptConfigType = None,
                 rescore_before_nms: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.verifier = MODELS.build(verifier) if verifier else None
        self.rescore_before_nms = rescore_before_nms
        if self.verifier is not None:
            # No part of the detector's loss: frozen, so that the runner's
            # optimizer and DDP's gradient reduction leave it alone; its
            # own hook unfreezes it while it trains it.
            self.verifier.requires_grad_(False)

    @property
    def verifies(self) -> bool:
        """Whether ``predict`` rescores with a trained verifier."""
        return self.verifier is not None and bool(self.verifier.fitted)

    def grey_inputs(self, batch_inputs: Tensor) -> Tensor:
        """Grey pixels (B, 1, H, W) of a batch the data preprocessor made."""
        pre = self.data_preprocessor
        return grey_pixels(batch_inputs, pre.mean, pre.std,
                           rgb=bool(getattr(pre, '_channel_conversion',
                                            False)))

    def candidates(self, batch_inputs: Tensor,
                   batch_data_samples: SampleList) -> InstanceList:
        """The RoI head's detections before its NMS, in input pixels.

        mmdet's RoI head returns its raw per-RoI boxes and class scores
        when its ``test_cfg`` is None (its test-time-augmentation path);
        each RoI's box for each class scoring above ``score_thr`` (the
        test config's, strictly above, as ``multiclass_nms``) is a
        candidate.

        Args:
            batch_inputs (Tensor): shape (B, 3, H, W), preprocessed.
            batch_data_samples (list[DetDataSample]): Their samples.

        Returns:
            list[InstanceData]: Per picture ``bboxes`` (n, 4) in input
            pixels, ``scores`` (n,) and ``labels`` (n,).
        """
        x = self.extract_feat(batch_inputs)
        if batch_data_samples[0].get('proposals', None) is None:
            rpn_results_list = self.rpn_head.predict(
                x, batch_data_samples, rescale=False)
        else:
            rpn_results_list = [s.proposals for s in batch_data_samples]
        cfg = self.roi_head.test_cfg
        with overridden(self.roi_head, test_cfg=None):
            raw = self.roi_head.predict(x, rpn_results_list,
                                        batch_data_samples, rescale=False)
        results = []
        for result in raw:
            scores = result.scores[:, :-1]  # the background column is last
            num_rois, num_classes = scores.shape
            # (n, 4) class-agnostic or (n, 4 * C) per class.
            boxes = result.bboxes.view(num_rois, -1, 4).expand(
                num_rois, num_classes, 4)
            roi, label = (scores > cfg.score_thr).nonzero(as_tuple=True)
            results.append(InstanceData(bboxes=boxes[roi, label],
                                        scores=scores[roi, label],
                                        labels=label))
        return results

    def verifier_inputs(self, batch_inputs: Tensor,
                        batch_data_samples: SampleList) -> InstanceList:
        """The detections the verifier rescores at test time, in input
        pixels, with the detector's own scores: :meth:`candidates` where
        it rescores before NMS, else mmdet's final detections. What
        :class:`~mmfacerfcn.engine.hooks.CropVerifierTrainHook` trains it
        on.

        Returns:
            list[InstanceData]: Per picture ``bboxes`` (n, 4), ``scores``
            (n,) and ``labels`` (n,).
        """
        if self.rescore_before_nms:
            return self.candidates(batch_inputs, batch_data_samples)
        samples = TwoStageDetector.predict(self, batch_inputs,
                                           batch_data_samples, rescale=False)
        return [sample.pred_instances for sample in samples]

    def roi_logits(self, batch_inputs: Tensor, rois: Tensor) -> Tensor:
        """The verifier's logits of boxes of the batch.

        Args:
            batch_inputs (Tensor): shape (B, 3, H, W), preprocessed.
            rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)`` in
                input pixels.

        Returns:
            Tensor: shape (n,).
        """
        return self.verifier(
            self.verifier.crops(self.grey_inputs(batch_inputs), rois))

    def verifier_logits(self, batch_inputs: Tensor,
                        boxes: List[Tensor]) -> List[Tensor]:
        """The verifier's logits of boxes of each picture.

        Args:
            batch_inputs (Tensor): shape (B, 3, H, W), preprocessed.
            boxes (list[Tensor]): Per picture, shape (n_i, 4), input pixels.

        Returns:
            list[Tensor]: Per picture, shape (n_i,).
        """
        rois = torch.cat([
            torch.cat([b.new_full((len(b), 1), index), b], dim=1)
            for index, b in enumerate(boxes)])
        logits = self.roi_logits(batch_inputs, rois)
        return list(logits.split([len(b) for b in boxes]))

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """mmdet's predict, with the verifier's rescoring.

        Args:
            batch_inputs (Tensor): shape (B, 3, H, W), preprocessed.
            batch_data_samples (list[DetDataSample]): With ``scale_factor``
                in their metainfo where ``rescale`` is True.
            rescale (bool): Whether boxes are returned in the original
                pictures' pixels. Defaults to True.

        Returns:
            list[DetDataSample]: With ``pred_instances``, in score order.
        """
        if not self.verifies:
            return super().predict(batch_inputs, batch_data_samples, rescale)
        if self.rescore_before_nms:
            return self._predict_rescored_before_nms(
                batch_inputs, batch_data_samples, rescale)
        samples = super().predict(batch_inputs, batch_data_samples, rescale)
        # Boxes in input pixels: padding is at the bottom right, so only the
        # resize separates them from the original pictures' pixels.
        boxes = [sample.pred_instances.bboxes for sample in samples]
        if rescale:
            boxes = [scale_boxes(b, s.metainfo['scale_factor'])
                     for b, s in zip(boxes, samples)]
        logits = self.verifier_logits(batch_inputs, boxes)
        for sample, logit in zip(samples, logits):
            pred = sample.pred_instances
            pred.scores = self.verifier.calibrate_detections(
                self.verifier.rescore(pred.scores, logit))
            sample.pred_instances = pred[pred.scores.argsort(
                descending=True)]
        return samples

    def _predict_rescored_before_nms(self, batch_inputs: Tensor,
                                     batch_data_samples: SampleList,
                                     rescale: bool) -> SampleList:
        """:meth:`candidates`, rescored, then the RoI head's NMS and
        ``max_per_img`` (in the pixels returned, as mmdet runs them), then
        the verifier's :meth:`~CropVerifier.calibrate_detections`."""
        cfg = self.roi_head.test_cfg
        results = self.candidates(batch_inputs, batch_data_samples)
        logits = self.verifier_logits(batch_inputs,
                                      [r.bboxes for r in results])
        for index, (result, logit) in enumerate(zip(results, logits)):
            result.scores = self.verifier.rescore(result.scores, logit)
            if rescale:
                factor = batch_data_samples[index].metainfo['scale_factor']
                result.bboxes = scale_boxes(result.bboxes,
                                            [1 / s for s in factor])
            if len(result):
                _, keep = batched_nms(result.bboxes, result.scores,
                                      result.labels, cfg.nms)
                if cfg.max_per_img > 0:
                    keep = keep[:cfg.max_per_img]
                results[index] = result = result[keep]
            result.scores = self.verifier.calibrate_detections(result.scores)
        return self.add_pred_to_datasample(batch_data_samples, results)
