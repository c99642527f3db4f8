"""A second look at each detection: a small CNN on its grey crop.

A detector trained from scratch on a few hundred pictures keeps face-like
background among its confident detections (arms, knots in wood, patterned
cloth): its RoI classifier sees the score maps of a trunk whose pretraining
ends at telling face crops from random windows. :class:`CropVerifier` is a
separate classifier trained afterwards on exactly those mistakes (the
detector's own detections on its training set, labelled by their overlap with
the faces: :class:`~mmfacerfcn.engine.hooks.CropVerifierTrainHook`), and its
probability is blended into each detection's score. It is the cascade of
classical face detection applied to a CNN's output.

The crop is sampled here with ``grid_sample`` rather than
``torchvision.ops.roi_align`` because the same code must export to ONNX
(:class:`~mmfacerfcn.deployment.ONNXFaceRFCN`), and the squared box it reads
reaches past the picture's border, where sampling the nearest pixel
(``padding_mode='border'``) keeps the crop's statistics those of the picture.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

from .platt_scaling import PlattScaling, probability_logits

#: ITU-R BT.601 luma weights, in RGB order.
LUMA_RGB = (0.299, 0.587, 0.114)


def grey_pixels(inputs: Tensor, mean: Tensor, std: Tensor,
                rgb: bool) -> Tensor:
    """Grey pixel values (0-255) of a batch the data preprocessor made.

    Args:
        inputs (Tensor): shape (B, 3, H, W), normalised as
            ``(pixel - mean) / std``.
        mean (Tensor): The preprocessor's mean, shape (3, 1, 1).
        std (Tensor): The preprocessor's std, shape (3, 1, 1).
        rgb (bool): Whether the channels are in RGB order (the preprocessor's
            ``bgr_to_rgb``); BGR, as mmdet loads pictures, otherwise.

    Returns:
        Tensor: shape (B, 1, H, W).
    """
    weights = inputs.new_tensor(LUMA_RGB if rgb else LUMA_RGB[::-1])
    pixels = inputs * std.to(inputs) + mean.to(inputs)
    return (pixels * weights.view(1, 3, 1, 1)).sum(1, keepdim=True)


@MODELS.register_module()
class CropVerifier(BaseModule):
    """Face / non-face classifier of detections, on standardised grey crops.

    Each box is made square about its centre (its longer side), sampled to
    ``crop_size x crop_size`` grey pixels (bilinear, at the centres of a
    regular grid over the square), and standardised per crop (zero mean,
    unit variance: brightness and contrast drop out). A CNN of 3x3
    convolutions, each followed by ReLU and 2x2 max pooling, then dropout and
    a linear layer, gives a logit. With ``num_members`` above 1 the verifier
    is an ensemble of that many such CNNs, each started from its own random
    weights and trained on its own loss (:meth:`member_logits`), and its
    logit is their mean: trained on a few thousand crops, one CNN's ranking
    varies with its initialisation. With ``flip_test`` the logit is also
    averaged over each crop and its mirror image, as the crops are mirrored
    at random in training (test-time augmentation; training fits
    :meth:`member_logits`, which never mirrors). The final score blends the detector's
    and the verifier's probabilities geometrically: ``score ** (1 - weight)
    * sigmoid(calibration(logit)) ** weight``, where ``calibration``
    (:class:`PlattScaling`, the identity until the training hook fits it)
    makes the verifier's probability that of a face among the detector's
    candidates. Those candidates are the RoI head's before its NMS, where
    a face has many boxes; the NMS keeps one of them, so among the final
    detections a blended score is a face less often than it says.
    :meth:`calibrate_detections` maps the final scores, after the NMS, by a
    second Platt scaling of their logits (``detection_calibration``, fitted
    by the hook on the final detections of the training set): a monotone
    map, so the detections and their order stay as they were.

    Until it is trained (``fitted`` is False, a buffer saved with the
    weights), the detector that holds it does not use it; so a checkpoint
    without any of its weights (written before the detector had one) still
    fits the detector (``optional_in_checkpoint``), which then predicts
    without it.

    Args:
        crop_size (int): Side of a crop, px. Defaults to 32.
        channels (Sequence[int]): Output channels of the convolutions; each
            halves the crop. Defaults to (16, 32, 64).
        dropout (float): Dropout before the linear layer. Defaults to 0.3.
        num_members (int): CNNs whose logits are averaged. Defaults to 1
            (whose weights are ``features`` and ``classifier``; with more,
            ``members.<i>.0`` and ``members.<i>.1``).
        weight (float): Weight of the verifier in the blended score, in
            [0, 1]. Defaults to 0.75.
        flip_test (bool): Whether :meth:`forward` averages each crop's
            logit with its mirror image's. Defaults to True.
        samples_per_cell (int): Samples per side of each crop pixel's cell,
            averaged (:meth:`squares`). Defaults to 1: one bilinear tap at
            the cell's centre, which aliases a box more than twice the crop's
            side (a portrait's face) into a crop sharper and noisier than
            any small face's.
        cascade_thr (float, optional): Make :meth:`forward` a cascade:
            the first member scores every crop, and only the crops it
            scores above this logit are scored by the other members and get
            their mean; the others keep the first member's logit. Most of a
            picture's candidates are background that one CNN already
            rejects, so the ensemble's cost is paid for few crops. Defaults
            to None: every member scores every crop.
        init_cfg (dict, optional): Initialisation config. Defaults to None
            (PyTorch's default initialisation).
    """

    #: A checkpoint may lack the whole verifier
    #: (:mod:`mmfacerfcn.utils.checkpoint_fit`): it then stays unfitted.
    optional_in_checkpoint = True

    def __init__(self,
                 crop_size: int = 32,
                 channels: Sequence[int] = (16, 32, 64),
                 dropout: float = 0.3,
                 num_members: int = 1,
                 weight: float = 0.75,
                 flip_test: bool = True,
                 samples_per_cell: int = 1,
                 cascade_thr: Optional[float] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 <= weight <= 1:
            raise ValueError(f'weight must be in [0, 1]; got {weight}')
        if crop_size % 2**len(channels):
            raise ValueError(f'crop_size ({crop_size}) must be divisible by '
                             f'2 ** len(channels) ({2**len(channels)})')
        if num_members < 1:
            raise ValueError(f'num_members must be >= 1; got {num_members}')
        if samples_per_cell < 1:
            raise ValueError(
                f'samples_per_cell must be >= 1; got {samples_per_cell}')
        self.samples_per_cell = samples_per_cell
        self.cascade_thr = cascade_thr
        self.crop_size = crop_size
        self.weight = weight
        self.num_members = num_members
        self.flip_test = flip_test
        nets = [self._cnn(crop_size, channels, dropout)
                for _ in range(num_members)]
        if num_members == 1:  # the weights' names of a single CNN
            self.features, self.classifier = nets[0]
        else:
            self.members = nn.ModuleList(nets)
        self.register_buffer('fitted', torch.zeros((), dtype=torch.bool))
        self.calibration = PlattScaling()
        self.detection_calibration = PlattScaling()
        # Channels-last convolution weights: the same arithmetic, and on
        # CPU oneDNN's channels-last kernels run these small convolutions
        # over a thousand crops about 2.7 times faster (README, stop 43).
        # Loading weights copies into these tensors and keeps the layout.
        self.to(memory_format=torch.channels_last)

    @staticmethod
    def _cnn(crop_size: int, channels: Sequence[int],
             dropout: float) -> nn.Sequential:
        """One CNN: ``Sequential(features, classifier)``."""
        layers, width = [], 1
        for out in channels:
            layers += [nn.Conv2d(width, out, 3, padding=1),
                       nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            width = out
        side = crop_size // 2**len(channels)
        return nn.Sequential(
            nn.Sequential(*layers),
            nn.Sequential(nn.Flatten(), nn.Dropout(dropout),
                          nn.Linear(width * side**2, 1)))

    def squares(self, images: Tensor, rois: Tensor) -> Tensor:
        """The square about each box, sampled to ``crop_size`` per side.

        Each box becomes the square of its longer side about its centre;
        sample ``(i, j)`` is the mean of ``samples_per_cell ** 2`` bilinear
        reads at the centres of a regular grid over cell ``(i, j)`` of a
        ``crop_size x crop_size`` grid over the square (as
        ``torchvision.ops.roi_align`` with ``aligned=True`` and
        ``sampling_ratio=samples_per_cell`` reads it; one read, at the
        cell's centre, by default), and outside the picture at the nearest
        pixel inside.

        Args:
            images (Tensor): Grey pictures, shape (B, 1, H, W).
            rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)`` in
                the pictures' pixels (pixel ``p`` spans ``[p, p + 1]``).

        Returns:
            Tensor: shape (n, 1, crop_size, crop_size).
        """
        batch, _, height, width = images.shape
        cells, reads = self.crop_size, self.samples_per_cell
        size = cells * reads  # reads per side, averaged by cell below
        n = rois.size(0)
        centre = (rois[:, 1:3] + rois[:, 3:5]) / 2
        side = (rois[:, 3:5] - rois[:, 1:3]).amax(1, keepdim=True)
        steps = (torch.arange(size, dtype=rois.dtype, device=rois.device) +
                 0.5) / size - 0.5
        # (n, size) sample coordinates per axis, in pixels (pixel p spans
        # [p, p + 1]), clamped to the centres of the picture's outer pixels:
        # the nearest pixel outside, and no bilinear tap in the picture
        # below in the stack.
        xs = (centre[:, :1] + side * steps).clamp(0.5, width - 0.5)
        ys = (centre[:, 1:] + side * steps).clamp(0.5, height - 0.5)
        # The B pictures one above the other, one grid_sample batch entry.
        ys = ys + rois[:, :1] * height
        grid = torch.stack([
            (2 * xs[:, None, :] / width - 1).expand(n, size, size),
            (2 * ys[:, :, None] / (batch * height) - 1).expand(n, size, size)
        ], dim=-1)
        stacked = images.reshape(1, 1, batch * height, width)
        samples = F.grid_sample(stacked, grid.reshape(1, n * size, size, 2),
                                mode='bilinear', padding_mode='border',
                                align_corners=False)
        samples = samples.reshape(n, 1, size, size)
        if reads > 1:
            samples = F.avg_pool2d(samples, reads)
        return samples

    def crops(self, images: Tensor, rois: Tensor) -> Tensor:
        """Standardised square crops of boxes, the verifier's input.

        Args:
            images (Tensor): Grey pictures, shape (B, 1, H, W).
            rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)``.

        Returns:
            Tensor: shape (n, 1, crop_size, crop_size): :meth:`squares`,
            each of zero mean and unit variance (a flat one stays zero).
        """
        crops = self.squares(images, rois)
        centred = crops - crops.mean((2, 3), keepdim=True)
        # The sample standard deviation (n - 1, as Tensor.std) written out:
        # Tensor.std warns on no crops at all (a picture without candidates,
        # and every ONNX export, which traces that case too).
        pixels = crops.shape[2] * crops.shape[3]
        std = (centred.square().sum((2, 3), keepdim=True) / (pixels - 1)).sqrt()
        return centred / (std + 1e-6)

    def member_logits(self, crops: Tensor,
                      members: Optional[slice] = None) -> Tensor:
        """Each member's face logits of crops, what training fits.

        Args:
            crops (Tensor): shape (n, 1, crop_size, crop_size), from
                :meth:`crops`.
            members (slice, optional): Which members. Defaults to None:
                all of them.

        Returns:
            Tensor: shape (num_members, n), or one row per member of
            ``members``.
        """
        if members is None:
            members = slice(None)
        nets = self._nets()[members]
        return torch.stack([classifier(features(crops))[:, 0]
                            for features, classifier in nets])

    def _nets(self) -> List[Tuple[nn.Module, nn.Module]]:
        """Each member's ``(features, classifier)``, whichever names hold
        its weights."""
        if self.num_members == 1:
            return [(self.features, self.classifier)]
        return [(net[0], net[1]) for net in self.members]

    def forward(self, crops: Tensor) -> Tensor:
        """Face logits of crops: the mean of the members', and with
        ``flip_test`` of each crop's and its mirror image's; with
        ``cascade_thr``, of the first member's alone where it scores a crop
        at or below that logit.

        Args:
            crops (Tensor): shape (n, 1, crop_size, crop_size), from
                :meth:`crops`.

        Returns:
            Tensor: shape (n,).
        """
        if self.cascade_thr is None or self.num_members == 1:
            return self._member_sum(crops, None) / self.num_members
        first = self._member_sum(crops, slice(0, 1))
        passed = (first > self.cascade_thr).nonzero()[:, 0]
        rest = self._member_sum(crops[passed], slice(1, None))
        return first.index_copy(0, passed, (first[passed] + rest) /
                                self.num_members)

    def _member_sum(self, crops: Tensor, members: Optional[slice]) -> Tensor:
        """The sum over ``members`` of their logits, each with
        ``flip_test`` the mean of the crop's and its mirror image's;
        shape (n,)."""
        logits = self.member_logits(crops, members).sum(0)
        if self.flip_test:
            logits = (logits +
                      self.member_logits(crops.flip(3), members).sum(0)) / 2
        return logits

    def calibrate_detections(self, scores: Tensor) -> Tensor:
        """Final detections' scores, after NMS, as probabilities of a face
        among final detections: ``sigmoid(a * logit(scores) + b)`` (``a``,
        ``b``: :attr:`detection_calibration`; the scores themselves, to
        float precision, until it is fitted).

        Args:
            scores (Tensor): Blended scores (:meth:`rescore`), shape (n,).

        Returns:
            Tensor: shape (n,), in the same order.
        """
        return self.detection_calibration(
            probability_logits(scores)).sigmoid()

    def rescore(self, scores: Tensor, logits: Tensor) -> Tensor:
        """The blended score ``scores ** (1 - w) * sigmoid(a * logits + b) ** w``
        (``a``, ``b``: :attr:`calibration`).

        Args:
            scores (Tensor): The detector's scores, shape (n,).
            logits (Tensor): The verifier's logits, shape (n,).

        Returns:
            Tensor: shape (n,).
        """
        probs = self.calibration(logits).sigmoid()
        return scores.pow(1 - self.weight) * probs.pow(self.weight)
