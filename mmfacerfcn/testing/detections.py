"""Two backends' detections of one picture, compared box by box.

Eager PyTorch, fused PyTorch and onnxruntime run the same detector with
different rounding (fused conv + BN, other kernels): their boxes and scores
agree to about 1e-6, not bit for bit, and boxes of equal scores come in
either order. Every box of each side must be found on the other at the same
place with the same score and label.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor
from torchvision.ops import box_iou


def unmatched_detections(boxes: Tensor, scores: Tensor,
                         other_boxes: Tensor, other_scores: Tensor,
                         labels: Optional[Tensor] = None,
                         other_labels: Optional[Tensor] = None,
                         iou_thr: float = 0.99,
                         score_tol: float = 1e-4) -> Tuple[Tensor, Tensor]:
    """The detections of each side that the other side lacks.

    A detection is matched when the other side has one at IoU above
    ``iou_thr`` with a score within ``score_tol`` (and the same label, where
    both sides give labels).

    Args:
        boxes (Tensor): shape (n, 4), x1 y1 x2 y2.
        scores (Tensor): shape (n,).
        other_boxes (Tensor): shape (m, 4).
        other_scores (Tensor): shape (m,).
        labels (Tensor, optional): shape (n,).
        other_labels (Tensor, optional): shape (m,).
        iou_thr (float): Defaults to 0.99.
        score_tol (float): Defaults to 1e-4.

    Returns:
        tuple[Tensor, Tensor]: Indices (long) of the unmatched detections of
        the first side and of the other.
    """
    boxes, other_boxes = torch.as_tensor(boxes), torch.as_tensor(other_boxes)
    scores = torch.as_tensor(scores)
    other_scores = torch.as_tensor(other_scores)
    if not len(boxes) or not len(other_boxes):
        return (torch.arange(len(boxes)), torch.arange(len(other_boxes)))
    matched = box_iou(boxes.double(), other_boxes.double()) > iou_thr
    matched &= (scores.double()[:, None] -
                other_scores.double()[None]).abs() <= score_tol
    if labels is not None and other_labels is not None:
        matched &= (torch.as_tensor(labels)[:, None] ==
                    torch.as_tensor(other_labels)[None])
    return ((~matched.any(1)).nonzero()[:, 0],
            (~matched.any(0)).nonzero()[:, 0])


def assert_same_detections(actual, expected, score_tol: float = 1e-4) -> None:
    """Assert that two sets of detections of one picture are the same:
    :func:`unmatched_detections` finds none on either side.

    Args:
        actual (dict | InstanceData): ``bboxes`` (n, 4), ``scores`` (n,)
            and optionally ``labels`` (n,): a dumped ``pred_instances``, a
            JSON record or the instances themselves.
        expected (dict | InstanceData): The same, the reference.
        score_tol (float): See :func:`unmatched_detections`. Defaults to
            1e-4.
    """
    def get(dets, key):
        value = dets.get(key, None) if isinstance(dets, dict) else getattr(
            dets, key, None)
        return None if value is None else torch.as_tensor(value)

    a_scores, e_scores = get(actual, 'scores'), get(expected, 'scores')
    only_actual, only_expected = unmatched_detections(
        get(actual, 'bboxes'), a_scores, get(expected, 'bboxes'), e_scores,
        get(actual, 'labels'), get(expected, 'labels'),
        score_tol=score_tol)
    assert not len(only_actual) and not len(only_expected), (
        f'{len(only_actual)} of {len(a_scores)} detections have no match in '
        f'the reference and {len(only_expected)} of its {len(e_scores)} none '
        f'here. Unmatched scores: {a_scores[only_actual[:3]].tolist()} / '
        f'{e_scores[only_expected[:3]].tolist()}')
