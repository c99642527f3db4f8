"""A two-stage detector whose final detections a crop verifier rescores."""
import torch
from mmdet.models.detectors import TwoStageDetector
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import scale_boxes
from mmdet.utils import OptConfigType
from torch import Tensor

from ..verifiers.crop_verifier import grey_pixels


@MODELS.register_module()
class VerifiedTwoStageDetector(TwoStageDetector):
    """mmdet's ``TwoStageDetector`` with an optional second look at its
    detections (:class:`~mmfacerfcn.models.verifiers.CropVerifier`).

    ``predict`` runs the detector as mmdet does, then, once the verifier is
    trained (``verifier.fitted``, set by
    :class:`~mmfacerfcn.engine.hooks.CropVerifierTrainHook`), crops each
    final detection from the input batch, and replaces its score by the
    blend of the two; detections are re-sorted by the new score. Training
    (``loss``) is mmdet's: the verifier learns afterwards, from the trained
    detector's own detections; until then its parameters require no
    gradient (DDP would otherwise wait for theirs).

    Args:
        verifier (dict, optional): Config of the verifier. Defaults to None:
            the detector is mmdet's ``TwoStageDetector``.
        **kwargs: ``TwoStageDetector``'s arguments.
    """

    def __init__(self, *args, verifier: OptConfigType = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.verifier = MODELS.build(verifier) if verifier else None
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

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """mmdet's predict, then the verifier's rescoring.

        Args:
            batch_inputs (Tensor): shape (B, 3, H, W), preprocessed.
            batch_data_samples (list[DetDataSample]): With ``scale_factor``
                in their metainfo where ``rescale`` is True.
            rescale (bool): Whether boxes are returned in the original
                pictures' pixels. Defaults to True.

        Returns:
            list[DetDataSample]: With ``pred_instances``.
        """
        samples = super().predict(batch_inputs, batch_data_samples, rescale)
        if not self.verifies:
            return samples
        # Boxes in input pixels: padding is at the bottom right, so only the
        # resize separates them from the original pictures' pixels.
        rois = []
        for index, sample in enumerate(samples):
            boxes = sample.pred_instances.bboxes
            if rescale:
                boxes = scale_boxes(boxes, sample.metainfo['scale_factor'])
            rois.append(torch.cat([boxes.new_full((len(boxes), 1), index),
                                   boxes], dim=1))
        rois = torch.cat(rois)
        logits = self.verifier(
            self.verifier.crops(self.grey_inputs(batch_inputs), rois))
        for index, sample in enumerate(samples):
            pred = sample.pred_instances
            mine = rois[:, 0] == index
            pred.scores = self.verifier.rescore(pred.scores, logits[mine])
            sample.pred_instances = pred[pred.scores.argsort(
                descending=True)]
        return samples
