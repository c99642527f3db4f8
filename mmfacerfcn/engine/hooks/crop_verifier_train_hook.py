"""Train a detector's crop verifier on its own detections, after training."""
import time
from contextlib import nullcontext
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmdet.registry import HOOKS
from mmdet.structures.bbox import bbox_overlaps, scale_boxes
from mmengine.dataset import Compose, pseudo_collate
from mmengine.hooks import Hook
from torch import Tensor

from ...models.verifiers import probability_logits
from ...utils.overrides import overridden
from .utils import annotated_boxes, broadcast_module, unwrap_model


def label_detections(boxes: Tensor, faces: Tensor, ignored: Tensor,
                     pos_iou: float = 0.5, neg_iou: float = 0.5) -> Tensor:
    """Face (1), non-face (0) or unused (-1) label of each detection.

    A detection is a face where it overlaps a face by ``pos_iou`` or more
    (IoU), and a non-face where it overlaps no face nor ignored region by
    ``neg_iou`` or more; the ones in between, or on an ignored region, are
    not used. With the defaults (both 0.5, the IoU from which WIDER FACE's
    protocol counts a detection as a face found), a box that covers only
    part of a face, or a face and much around it, is a non-face: the
    verifier learns to score where a box sits, not only whether a face is
    in it.

    Args:
        boxes (Tensor): Detections, shape (n, 4), ``x1 y1 x2 y2``.
        faces (Tensor): Faces, shape (m, 4).
        ignored (Tensor): Ignored regions (faces too small or too hard to
            annotate), shape (k, 4).
        pos_iou (float): Smallest IoU with a face of a face. Defaults to 0.5.
        neg_iou (float): IoU with any face or ignored region under which a
            detection is a non-face. Defaults to 0.5.

    Returns:
        Tensor: shape (n,), int64.
    """
    labels = boxes.new_full((len(boxes), ), -1, dtype=torch.long)
    if not len(boxes):
        return labels
    face_iou = bbox_overlaps(boxes, faces).amax(1) if len(faces) else \
        boxes.new_zeros(len(boxes))
    ignored_iou = bbox_overlaps(boxes, ignored).amax(1) if len(ignored) \
        else boxes.new_zeros(len(boxes))
    labels[(face_iou < neg_iou) & (ignored_iou < neg_iou)] = 0
    labels[face_iou >= pos_iou] = 1
    return labels


def preprocessed_pictures(pipeline, dataset, model):
    """Each picture of ``dataset``: its data info and its batch of one,
    through ``pipeline`` and the model's data preprocessor.

    Yields:
        tuple[dict, dict]: ``get_data_info``'s dict, and the preprocessed
        ``inputs`` and ``data_samples``.
    """
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        yield info, model.data_preprocessor(
            pseudo_collate([pipeline(info)]), False)


def labelled_final_detections(model, pipeline, dataset,
                              pos_iou: float = 0.5,
                              neg_iou: float = 0.5) -> tuple:
    """The model's final detections on every picture of ``dataset``, each
    labelled against the picture's annotations (:func:`label_detections`;
    the ones it leaves out, -1, are dropped).

    What the hook fits the final scores' calibration to, and what
    ``tools/analysis_tools/score_reliability.py`` bins.

    Args:
        model: A detector in eval mode (``data_preprocessor``, ``predict``).
        pipeline (Callable): The test pipeline, from a data info.
        dataset: With ``get_data_info`` (``instances`` in the pictures'
            pixels, as ``predict`` returns boxes).
        pos_iou (float): See :func:`label_detections`. Defaults to 0.5.
        neg_iou (float): See :func:`label_detections`. Defaults to 0.5.

    Returns:
        tuple[Tensor, Tensor]: scores (n,) and labels (n,), 1 for a face, 0
        for a non-face, on the CPU.
    """
    scores, labels = [], []
    with torch.no_grad():
        for info, data in preprocessed_pictures(pipeline, dataset, model):
            pred = model.predict(data['inputs'],
                                 data['data_samples'])[0].pred_instances
            faces, ignored = (torch.from_numpy(b).to(pred.bboxes)
                              for b in annotated_boxes(info))
            label = label_detections(pred.bboxes, faces, ignored, pos_iou,
                                     neg_iou)
            scores.append(pred.scores[label >= 0].cpu())
            labels.append(label[label >= 0].cpu())
    return torch.cat(scores), torch.cat(labels)


def crop_weights(labels: Tensor, scores: Tensor) -> Tensor:
    """Loss weight of each crop: 1 for a face, the detector's score for a
    non-face, scaled to a mean of 1 over the non-faces.

    Args:
        labels (Tensor): shape (n,), 1 for a face, 0 for a non-face.
        scores (Tensor): The detector's scores, shape (n,).

    Returns:
        Tensor: shape (n,).
    """
    weights = torch.ones_like(scores)
    negative = labels == 0
    if negative.any():
        negatives = scores[negative]
        weights[negative] = negatives / negatives.mean().clamp(min=1e-12)
    return weights


def members_loss(member_logits: Tensor, labels: Tensor, weights: Tensor,
                 pos_weight: Tensor) -> Tensor:
    """Sum of each ensemble member's own weighted binary cross-entropy.

    Each member learns to classify on its own (its gradient is that of its
    loss alone), not to make the members' mean right: members that fit
    their own mistakes separately are what averaging them steadies.

    Args:
        member_logits (Tensor): shape (M, n).
        labels (Tensor): shape (n,), 1. for a face, 0. for a non-face.
        weights (Tensor): Loss weight of each crop, shape (n,).
        pos_weight (Tensor): Weight of the positives (a scalar tensor).

    Returns:
        Tensor: A scalar, the sum over the M members of their mean losses.
    """
    return sum(
        F.binary_cross_entropy_with_logits(
            logits, labels, weight=weights, pos_weight=pos_weight)
        for logits in member_logits)


def turned_faces(crops: Tensor, labels: Tensor, scores: Tensor,
                 generator: torch.Generator) -> tuple:
    """Add each face crop once more, turned by a quarter, a half or three
    quarters (drawn at random), as a non-face.

    A turned face has a face's skin, texture and contrast but not its upright
    layout (eyes above nose above mouth): as a non-face it tells the verifier
    that face-like texture alone is no face. Its detector score is the mean
    of the other non-faces', so that :func:`crop_weights` gives it an
    average weight.

    Args:
        crops (Tensor): shape (n, 1, S, S).
        labels (Tensor): shape (n,), 1 for a face, 0 for a non-face.
        scores (Tensor): The detector's scores, shape (n,).
        generator (torch.Generator): Draws the turns.

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``crops``, ``labels`` and ``scores``
        with the turned faces appended.
    """
    faces = crops[labels == 1]
    negatives = scores[labels == 0]
    if not len(faces) or not len(negatives):
        return crops, labels, scores
    turns = torch.randint(1, 4, (len(faces), ), generator=generator)
    turned = faces.clone()
    for k in (1, 2, 3):
        turned[turns == k] = faces[turns == k].rot90(k, dims=(2, 3))
    return (torch.cat([crops, turned]),
            torch.cat([labels, labels.new_zeros(len(faces))]),
            torch.cat([scores, negatives.mean().expand(len(faces))]))


def warp_crops(crops: Tensor, angles: Tensor, zooms: Tensor,
               shifts: Tensor) -> Tensor:
    """Each crop turned, zoomed and shifted about its centre by its own
    amounts (a similarity), read bilinearly, at the nearest pixel outside.

    Written here because torchvision's ``affine`` warps a batch by one
    transform; this is one ``affine_grid`` for the batch, the same warp as
    torchvision's per crop (with its angle clockwise) away from the border
    (``tests/test_engine/test_crop_verifier_train_hook.py``).

    Args:
        crops (Tensor): shape (n, C, S, S).
        angles (Tensor): Anticlockwise turns, radians, shape (n,).
        zooms (Tensor): Magnifications, shape (n,): 2 shows the middle half
            of the crop at twice the size.
        shifts (Tensor): Where each crop's centre moves to, in halves of
            its side (x right, y down), shape (n, 2).

    Returns:
        Tensor: shape (n, C, S, S).
    """
    # affine_grid maps each output pixel to where it reads the input: the
    # inverse of the warp, in coordinates of -1 to 1 across the crop.
    cos, sin = angles.cos() / zooms, angles.sin() / zooms
    # Anticlockwise on the screen (y down) reads the input clockwise.
    rotation = torch.stack([torch.stack([cos, -sin], 1),
                            torch.stack([sin, cos], 1)], 1)
    offset = -(rotation @ shifts.unsqueeze(2))
    theta = torch.cat([rotation, offset], 2).to(crops)
    grid = F.affine_grid(theta, list(crops.shape), align_corners=False)
    return F.grid_sample(crops, grid, mode='bilinear', padding_mode='border',
                         align_corners=False)


def check_jitter(max_angle: float, max_zoom: float,
                 max_shift: float) -> None:
    """Raise ValueError unless :func:`jitter_crops` can draw from these
    bounds."""
    if max_angle < 0 or max_shift < 0 or not 0 <= max_zoom < 1:
        raise ValueError(
            f'jitter needs max_angle ({max_angle}) >= 0, max_shift '
            f'({max_shift}) >= 0 and 0 <= max_zoom ({max_zoom}) < 1')


def jitter_crops(crops: Tensor, generator: torch.Generator,
                 max_angle: float, max_zoom: float,
                 max_shift: float) -> Tensor:
    """:func:`warp_crops` by amounts drawn uniformly per crop: a turn of up
    to ``max_angle`` degrees either way, a zoom in ``[1 - max_zoom, 1 +
    max_zoom]`` and a shift of up to ``max_shift`` of the crop's side along
    each axis.

    Args:
        crops (Tensor): shape (n, C, S, S).
        generator (torch.Generator): A CPU generator that draws the amounts.
        max_angle (float): Degrees.
        max_zoom (float): In [0, 1).
        max_shift (float): Fraction of the side.

    Returns:
        Tensor: shape (n, C, S, S).
    """
    check_jitter(max_angle, max_zoom, max_shift)
    draws = torch.rand(len(crops), 4, generator=generator,
                       dtype=torch.float64) * 2 - 1
    angles = draws[:, 0] * (max_angle * torch.pi / 180)
    zooms = 1 + draws[:, 1] * max_zoom
    shifts = draws[:, 2:] * (2 * max_shift)  # in halves of the side
    return warp_crops(crops, angles.to(crops.device), zooms.to(crops.device),
                      shifts.to(crops.device))


@HOOKS.register_module()
class CropVerifierTrainHook(Hook):
    """Trains the detector's :class:`~mmfacerfcn.models.verifiers.CropVerifier`
    on the trained detector's own detections, after the last iteration.

    The detector (a
    :class:`~mmfacerfcn.models.detectors.VerifiedTwoStageDetector`) runs on
    every training picture through the test pipeline, as it will at test
    time; the detections its verifier will rescore
    (``verifier_inputs``) scoring above ``score_thr`` are labelled by
    :func:`label_detections`, and the faces themselves are added as
    positives. The verifier learns them with AdamW, the crops mirrored at
    random; each member of an ensemble verifier learns on its own loss
    (:func:`members_loss`). Each non-face is weighted by the detector's
    score (normalised to a mean of 1 over the non-faces,
    ``score_weighted_negatives``): a
    confident mistake ranks above faces and costs AP, a faint one hardly
    does, and the few face-like mistakes would otherwise drown among the
    many faint ones. The positives are weighted by the ratio of non-faces to
    faces. The verifier is then marked ``fitted`` and the detector's
    ``predict`` uses it. Its parameters require gradients only during this
    training.
    Where the detections hold no non-face (or the training set no
    face), it stays untrained, with a warning in the log. The hook runs
    before the checkpoint of the last iteration is written (its priority is
    above ``CheckpointHook``'s) and before the validation that follows, so
    both include the verifier. In distributed
    training every process trains alike and rank 0's weights are broadcast.
    A model without a verifier is refused before training starts.

    Args:
        epochs (int): Passes over the crops. Defaults to 4: the RoI head's
            candidates before NMS are about five times its final
            detections, on which 20 passes were the default.
        batch_size (int): Crops per step. Defaults to 128.
        lr (float): AdamW's learning rate. Defaults to 3e-3.
        weight_decay (float): AdamW's weight decay. Defaults to 0.05.
        score_thr (float): Lowest detection score used, whatever the RoI
            head's test config keeps at test time. Defaults to 0.05.
        score_weighted_negatives (bool): Weight each non-face by the
            detector's score (mean 1); all alike otherwise. Defaults to
            True.
        pos_iou (float): See :func:`label_detections`. Defaults to 0.5.
        neg_iou (float): See :func:`label_detections`. Defaults to 0.5:
            the candidates that overlap a face by 0.3-0.5 (mostly boxes on
            its inner part) are non-faces. Left out of training (as with
            0.3), the verifier scores them as faces, and at NMS they
            suppress the box that would have counted (README, stop 38).
        pipeline (list[dict], optional): The pipeline the training pictures
            go through (the annotations are read from the dataset, not from
            it). Defaults to None: the test dataloader's.
        seed (int, optional): Seed of the shuffling and mirroring (dropout
            draws from torch's generator, which the runner seeds). Defaults
            to None: the runner's seed (``randomness.seed``).
        log_interval (int): Epochs between log lines. Defaults to 1.
        max_proposals (int, optional): RPN proposals per picture (the RPN
            test config's ``max_per_img``) while the candidates are
            collected, where the test config asks for more than the
            verifier needs to learn from: the highest-ranked proposals'
            candidates hold the face-like mistakes, and each proposal more
            is a crop more to train on. Defaults to None: the test
            config's.
        turned_faces (bool): Add each face, turned by a random multiple of
            a quarter, as a non-face (:func:`turned_faces`). Defaults to
            False.
        jitter (dict, optional): Warp each crop of a batch by its own random
            turn, zoom and shift, ``dict(max_angle=..., max_zoom=...,
            max_shift=...)`` (:func:`jitter_crops`), before the random
            mirroring: the faces of a sample hold few people, and a face
            a little turned or off-centre is still one. Defaults to None
            (no warp).
        calibrate (bool): After training, fit the verifier's
            ``calibration`` (Platt scaling,
            :class:`~mmfacerfcn.models.verifiers.PlattScaling`) to the
            collected crops, unweighted: its score is then the probability
            of a face among the detector's candidates before NMS, not
            under the balanced prior of the weighted training (among the
            final detections, which NMS has thinned of the boxes on faces,
            such a score is a face less often: ``calibrate_detections``).
            A monotone map: the ranking (NMS, AP) of a verifier of weight 1
            is unchanged. Defaults to True.
        calibrate_detections (bool): Then fit the verifier's
            ``detection_calibration`` (Platt scaling of the final scores'
            logits, after NMS: ``CropVerifier.calibrate_detections``) to
            the model's final detections on the training pictures, as the
            test config gives them, each labelled as the candidates are
            (:func:`label_detections`; the ones left out there are left out
            here): a final score is then the probability that a final
            detection is a face, which ``tools/infer.py``'s threshold
            reads. A monotone map of the final scores: the detections,
            their order and AP are unchanged. Defaults to True.
    """

    priority = 'LOW'  # before CheckpointHook (VERY_LOW)

    def __init__(self,
                 epochs: int = 4,
                 batch_size: int = 128,
                 lr: float = 3e-3,
                 weight_decay: float = 0.05,
                 score_thr: float = 0.05,
                 score_weighted_negatives: bool = True,
                 pos_iou: float = 0.5,
                 neg_iou: float = 0.5,
                 pipeline: Optional[list] = None,
                 seed: Optional[int] = None,
                 log_interval: int = 1,
                 max_proposals: Optional[int] = None,
                 turned_faces: bool = False,
                 jitter: Optional[dict] = None,
                 calibrate: bool = True,
                 calibrate_detections: bool = True) -> None:
        if epochs < 1 or batch_size < 1:
            raise ValueError(f'epochs ({epochs}) and batch_size '
                             f'({batch_size}) must be >= 1')
        if max_proposals is not None and max_proposals < 1:
            raise ValueError(
                f'max_proposals must be >= 1 or None; got {max_proposals}')
        if not 0 <= neg_iou <= pos_iou <= 1:
            raise ValueError(f'need 0 <= neg_iou ({neg_iou}) <= pos_iou '
                             f'({pos_iou}) <= 1')
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.score_thr = score_thr
        self.score_weighted_negatives = score_weighted_negatives
        self.pos_iou = pos_iou
        self.neg_iou = neg_iou
        self.pipeline = pipeline
        self.seed = seed
        self.log_interval = log_interval
        self.max_proposals = max_proposals
        self.turned_faces = turned_faces
        self.jitter = dict(jitter) if jitter is not None else None
        if self.jitter is not None:  # before any training
            check_jitter(**self.jitter)
        self.calibrate = calibrate
        self.calibrate_detections = calibrate_detections
        self.history: Optional[dict] = None

    @staticmethod
    def _detector(runner):
        model = unwrap_model(runner)
        if getattr(model, 'verifier', None) is None:
            raise ValueError(
                'CropVerifierTrainHook needs a detector with a verifier '
                '(VerifiedTwoStageDetector with verifier=dict(...)); the '
                f'model is a {type(model).__name__} without one')
        return model

    def before_train(self, runner) -> None:
        # Training only: tools/test.py and --tta runs keep the hook of the
        # config and may wrap the detector (TTA, onnxruntime).
        self._detector(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.is_last_train_iter(runner):
            self.train_verifier(runner)

    def collect(self, runner, model) -> tuple:
        """Labelled crops of the detector's detections on the training set.

        The detections are the ones the verifier will rescore
        (``VerifiedTwoStageDetector.verifier_inputs``: by default the RoI
        head's before its NMS). They are compared with the dataset's own
        annotations in the pictures' pixels, whatever the pipeline does to
        the boxes it loads (mmdet's test pipelines load them after
        ``Resize``, unscaled); the crops are then taken from the
        preprocessed input, at the boxes times the ``scale_factor``, as
        ``predict`` takes them. Meanwhile the RoI head keeps every
        detection scoring above ``score_thr`` (its test config's own
        threshold may be higher: that of the detections the verifier will
        see, this one that of the detections it learns from), and with
        ``max_proposals`` the RPN gives that many proposals a picture.

        Returns:
            tuple[Tensor, Tensor, Tensor]: crops (n, 1, S, S), labels (n,),
            1 for a face, and the detector's scores (n,), 1 for the added
            faces.
        """
        pipeline, dataset = self._training_pictures(runner)
        # Without max_proposals, also a detector without an RPN.
        proposals = nullcontext() if self.max_proposals is None else \
            overridden(model.rpn_head.test_cfg, max_per_img=self.max_proposals)
        with proposals, overridden(model.roi_head.test_cfg,
                                   score_thr=self.score_thr):
            return self._collect(pipeline, dataset, model, model.verifier)

    def _training_pictures(self, runner) -> tuple:
        """The pipeline the training pictures go through (``pipeline``, or
        the test dataloader's) and the training dataset."""
        pipeline = Compose(self.pipeline if self.pipeline is not None else
                           runner.cfg.test_dataloader.dataset.pipeline)
        return pipeline, runner.train_dataloader.dataset

    def _collect(self, pipeline, dataset, model, verifier) -> tuple:
        """:meth:`collect` with the RPN's proposals and the RoI head's
        ``score_thr`` set."""
        all_crops, all_labels, all_scores = [], [], []
        with torch.no_grad():
            for info, data in preprocessed_pictures(pipeline, dataset,
                                                    model):
                inputs = data['inputs']
                pred = model.verifier_inputs(inputs, data['data_samples'])[0]
                factor = data['data_samples'][0].metainfo['scale_factor']
                boxes, scores = pred.bboxes, pred.scores
                # Labelled in the pictures' pixels, cropped in the input's.
                boxes = scale_boxes(boxes, [1 / s for s in factor])
                faces, ignored = (torch.from_numpy(b).to(boxes)
                                  for b in annotated_boxes(info))
                labels = label_detections(boxes, faces, ignored,
                                          self.pos_iou, self.neg_iou)
                used = labels >= 0
                boxes = torch.cat([boxes[used], faces])
                scores = torch.cat([scores[used], scores.new_ones(len(faces))])
                labels = torch.cat([labels[used], labels.new_ones(len(faces))])
                boxes = scale_boxes(boxes, factor)
                rois = torch.cat([boxes.new_zeros(len(boxes), 1), boxes], 1)
                all_crops.append(
                    verifier.crops(model.grey_inputs(inputs), rois))
                all_labels.append(labels)
                all_scores.append(scores)
        return (torch.cat(all_crops), torch.cat(all_labels),
                torch.cat(all_scores))

    def train_verifier(self, runner) -> None:
        """Collect the crops, train the verifier and mark it fitted."""
        model = self._detector(runner)
        verifier = model.verifier
        start = time.time()
        was_training = model.training
        verifier.fitted.fill_(False)  # collect the detector's own scores
        model.eval()
        crops, labels, scores = self.collect(runner, model)
        seed = self.seed if self.seed is not None else (runner.seed or 0)
        gen = torch.Generator().manual_seed(seed)
        num_collected = len(labels)  # the candidates, for the calibration
        if self.turned_faces:  # none without a face or a non-face
            crops, labels, scores = turned_faces(crops, labels, scores, gen)
        num_pos = int(labels.sum())
        num_neg = len(labels) - num_pos
        if not num_pos or not num_neg:
            model.train(was_training)
            runner.logger.warning(
                f'CropVerifierTrainHook: {num_pos} face and {num_neg} '
                'non-face crops on the training set; the verifier needs both '
                'and is left untrained (predict keeps the detector\'s scores)')
            return
        rng = np.random.default_rng(seed)
        device = crops.device
        pos_weight = torch.tensor(num_neg / num_pos, device=device)
        weights = crop_weights(labels, scores) if \
            self.score_weighted_negatives else torch.ones_like(scores)
        params = list(verifier.parameters())
        for param in params:  # frozen outside this hook (see the detector)
            param.requires_grad_(True)
        optimizer = torch.optim.AdamW(params, lr=self.lr,
                                      weight_decay=self.weight_decay)
        verifier.train()
        losses, accs = [], []
        for epoch in range(1, self.epochs + 1):
            order = torch.randperm(len(labels), generator=gen).to(device)
            epoch_loss, epoch_acc = [], []
            for begin in range(0, len(order), self.batch_size):
                batch = order[begin:begin + self.batch_size]
                x, y = crops[batch], labels[batch].float()
                if self.jitter is not None:
                    x = jitter_crops(x, gen, **self.jitter)
                flip = torch.from_numpy(rng.random(len(batch)) < 0.5).to(
                    device)
                x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
                member_logits = verifier.member_logits(x)
                loss = members_loss(member_logits, y, weights[batch],
                                    pos_weight)
                logits = member_logits.mean(0)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                epoch_loss.append(loss.item() / len(member_logits))
                epoch_acc.append(float(((logits > 0) == (y > 0)).float()
                                       .mean()))
            losses.append(float(np.mean(epoch_loss)))
            accs.append(float(np.mean(epoch_acc)))
            if epoch % self.log_interval == 0 or epoch == self.epochs:
                runner.logger.info(
                    f'CropVerifierTrainHook: epoch {epoch}/{self.epochs} '
                    f'loss {losses[-1]:.4f} acc {100 * accs[-1]:.1f} '
                    f'({time.time() - start:.0f} s)')
        optimizer.zero_grad(set_to_none=True)
        for param in params:
            param.requires_grad_(False)
        if self.calibrate:
            self._calibrate(runner, verifier, crops[:num_collected],
                            labels[:num_collected])
        verifier.fitted.fill_(True)
        if self.calibrate_detections:
            self._calibrate_detections(runner, model)
        broadcast_module(verifier)
        model.train(was_training)
        runner.logger.info(
            f'CropVerifierTrainHook: {num_pos} face and {num_neg} non-face '
            f'crops, trained in {time.time() - start:.0f} s')
        self.history = dict(loss=losses, acc=accs, num_pos=num_pos,
                            num_neg=num_neg, seconds=time.time() - start,
                            calibration=(float(verifier.calibration.slope),
                                         float(verifier.calibration.bias)),
                            detection_calibration=(
                                float(verifier.detection_calibration.slope),
                                float(verifier.detection_calibration.bias)))

    def _calibrate(self, runner, verifier, crops: Tensor,
                   labels: Tensor) -> None:
        """Fit ``verifier.calibration`` to its logits (as ``forward``
        gives them at test) of the collected crops."""
        verifier.eval()
        with torch.no_grad():
            logits = torch.cat([
                verifier(crops[begin:begin + self.batch_size])
                for begin in range(0, len(crops), self.batch_size)])
        verifier.calibration.fit(logits, labels)
        runner.logger.info(
            'CropVerifierTrainHook: calibrated as sigmoid('
            f'{float(verifier.calibration.slope):.3f} * logit + '
            f'{float(verifier.calibration.bias):.3f})')

    def _calibrate_detections(self, runner, model) -> None:
        """Fit ``verifier.detection_calibration`` to the final detections
        of the training pictures (the trained verifier's, under the test
        config), from the identity."""
        calibration = model.verifier.detection_calibration
        calibration.slope.fill_(1.)
        calibration.bias.fill_(0.)
        model.eval()
        pipeline, dataset = self._training_pictures(runner)
        scores, labels = labelled_final_detections(
            model, pipeline, dataset, self.pos_iou, self.neg_iou)
        num_pos = int(labels.sum())
        if not 0 < num_pos < len(labels):
            runner.logger.warning(
                f'CropVerifierTrainHook: {num_pos} of {len(labels)} final '
                'detections on the training set are faces; their scores '
                'stay uncalibrated (both kinds are needed)')
            return
        calibration.fit(probability_logits(scores), labels)
        runner.logger.info(
            f'CropVerifierTrainHook: final detections ({num_pos} faces of '
            f'{len(labels)}) calibrated as sigmoid('
            f'{float(calibration.slope):.3f} * logit + '
            f'{float(calibration.bias):.3f})')
