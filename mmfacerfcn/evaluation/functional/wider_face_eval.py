"""The WIDER FACE evaluation protocol (Easy / Medium / Hard AP) in numpy.

Written from the protocol of the official WIDER FACE ``eval_tools`` (MATLAB
``wider_eval.m`` with ``norm_score``, ``evaluation.m`` with ``image_evaluation``,
``image_pr_info``, ``dataset_pr_info`` and ``VOC_ap``):

1. Scores are min-max normalised over all predictions of all images.
2. In each image the predictions are sorted by score (descending; ties keep their
   order) and each is matched to the face it overlaps most (IoU with the +1-pixel
   convention, see :func:`wider_face_iou`). With IoU >= 0.5 a face outside the
   subset removes the prediction from the count, the first hit on a subset face
   recalls it and a later hit on the same face is a false positive; with a lower
   IoU the prediction is a false positive.
3. For each of 1000 score thresholds ``1 - (i + 1) / 1000`` an image contributes
   the number of kept predictions with score >= threshold and the number of faces
   they recall. Both are summed over the images; recall divides by all faces of
   the subset, so faces of images without prediction count as missed.
4. AP is the VOC all-point AP of that precision-recall curve.

Boxes are ``x y w h`` as in the WIDER files. The protocol turns them into corners
with ``x2 = x + w`` and measures extents pixel-inclusively (``x2 - x1 + 1``).

This module imports numpy only, so that evaluating submission files needs neither
torch nor MMDetection.
"""
from typing import Dict, Mapping, NamedTuple, Sequence, Tuple

import numpy as np

from .arrays import float_rows

#: IoU a prediction needs with a face to count as a hit.
WIDER_FACE_IOU_THR = 0.5
#: Added to ``x2 - x1`` (and ``y2 - y1``) for widths, areas and intersections:
#: the official code treats box corners as inclusive pixel indices.
WIDER_FACE_PIXEL_OFFSET = 1.0
#: Number of score thresholds of the precision-recall curve.
WIDER_FACE_NUM_THRS = 1000
#: The three official subsets, in the order the benchmark reports them.
WIDER_FACE_SUBSETS = ('easy', 'medium', 'hard')


class WiderFaceImageGT(NamedTuple):
    """Ground truth of one image, as in the official ``.mat`` files.

    Attributes:
        boxes (np.ndarray): shape (num_faces, 4), float64, raw ``x y w h`` of
            every face of the image (``face_bbx_list``), in gt-file order.
        subsets (Dict[str, np.ndarray]): subset name to a bool mask of shape
            (num_faces,): True where the face is in that subset's ``gt_list``.
    """
    boxes: np.ndarray
    subsets: Dict[str, np.ndarray]


class WiderFaceResult(NamedTuple):
    """Result of one subset.

    Attributes:
        ap (float): VOC all-point AP; NaN when the subset has no face.
        precision (np.ndarray): shape (num_thrs,), pooled precision at each
            threshold (highest threshold first); NaN where no prediction is kept.
        recall (np.ndarray): shape (num_thrs,), pooled recall at each threshold.
        num_faces (int): number of faces in the subset (the recall denominator).
    """
    ap: float
    precision: np.ndarray
    recall: np.ndarray
    num_faces: int


def wider_face_score_thresholds(
        num_thrs: int = WIDER_FACE_NUM_THRS) -> np.ndarray:
    """Score thresholds of the WIDER FACE precision-recall curve.

    Args:
        num_thrs (int): number of thresholds.

    Returns:
        np.ndarray: shape (num_thrs,), ``1 - (i + 1) / num_thrs`` for
        ``i = 0 .. num_thrs - 1``, i.e. from ``1 - 1 / num_thrs`` down to 0.
    """
    # Same floating-point operations as the official ``1 - t / thresh_num``.
    return 1.0 - (np.arange(num_thrs) + 1) / num_thrs


def wider_face_iou(pred_boxes: np.ndarray, gt_boxes: np.ndarray) -> np.ndarray:
    """IoU between predictions and faces with the +1-pixel convention.

    Corners are ``x2 = x + w``, ``y2 = y + h``; widths are ``x2 - x1 + 1``, so a
    box ``x y w h`` has area ``(w + 1) * (h + 1)`` and two boxes that share a
    single pixel column overlap by one pixel. Pairs whose intersection has no
    positive width or height have IoU 0.

    Args:
        pred_boxes (np.ndarray): shape (P, 4), ``x y w h``.
        gt_boxes (np.ndarray): shape (G, 4), ``x y w h``.

    Returns:
        np.ndarray: shape (P, G), float64.
    """
    pred = np.asarray(pred_boxes, dtype=np.float64).reshape(-1, 4)
    gt = np.asarray(gt_boxes, dtype=np.float64).reshape(-1, 4)
    off = WIDER_FACE_PIXEL_OFFSET
    px1, py1 = pred[:, None, 0], pred[:, None, 1]
    px2, py2 = px1 + pred[:, None, 2], py1 + pred[:, None, 3]
    gx1, gy1 = gt[None, :, 0], gt[None, :, 1]
    gx2, gy2 = gx1 + gt[None, :, 2], gy1 + gt[None, :, 3]
    inter_w = np.minimum(px2, gx2) - np.maximum(px1, gx1) + off
    inter_h = np.minimum(py2, gy2) - np.maximum(py1, gy1) + off
    inter = inter_w * inter_h
    pred_area = (px2 - px1 + off) * (py2 - py1 + off)
    gt_area = (gx2 - gx1 + off) * (gy2 - gy1 + off)
    union = pred_area + gt_area - inter
    valid = (inter_w > 0) & (inter_h > 0) & (union > 0)
    iou = np.zeros(inter.shape, dtype=np.float64)
    np.divide(inter, union, out=iou, where=valid)
    return iou


def sort_predictions(pred: np.ndarray) -> np.ndarray:
    """Sort one image's predictions by score, highest first.

    Args:
        pred (np.ndarray): shape (P, 5), ``x y w h score``.

    Returns:
        np.ndarray: shape (P, 5), float64; equal scores keep their input order
        (MATLAB's ``sort`` is stable too).
    """
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, 5)
    return pred[np.argsort(-pred[:, 4], kind='stable')]


def normalize_scores(
        preds: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Min-max normalise the scores over all predictions of all images.

    When every score is equal (or there is a single prediction) the official
    division is 0/0; here every normalised score is then 1, so all predictions
    are kept at every threshold and AP is their precision times recall.

    Args:
        preds (Mapping[str, np.ndarray]): image key to an array of shape
            (P, 5), ``x y w h score``.

    Returns:
        Dict[str, np.ndarray]: the same keys, copies of shape (P, 5) whose last
        column is ``(score - min) / (max - min)``, in [0, 1].
    """
    arrays = {k: np.array(v, dtype=np.float64).reshape(-1, 5)
              for k, v in preds.items()}
    scores = [a[:, 4] for a in arrays.values() if len(a)]
    if not scores:
        return arrays
    all_scores = np.concatenate(scores)
    lo, hi = all_scores.min(), all_scores.max()
    for a in arrays.values():
        if hi > lo:
            a[:, 4] = (a[:, 4] - lo) / (hi - lo)
        else:
            a[:, 4] = 1.0
    return arrays


def match_predictions(pred_boxes: np.ndarray, gt_boxes: np.ndarray,
                      iou_thr: float = WIDER_FACE_IOU_THR) -> np.ndarray:
    """Match each prediction to the face it overlaps most.

    Args:
        pred_boxes (np.ndarray): shape (P, 4), ``x y w h``.
        gt_boxes (np.ndarray): shape (G, 4), ``x y w h``, G > 0.
        iou_thr (float): minimum IoU of a hit.

    Returns:
        np.ndarray: shape (P,), int64: index of the highest-IoU face (the first
        one on ties) when that IoU >= ``iou_thr``, else -1.
    """
    iou = wider_face_iou(pred_boxes, gt_boxes)
    best = iou.argmax(axis=1)
    best_iou = iou[np.arange(len(best)), best]
    return np.where(best_iou >= iou_thr, best, -1).astype(np.int64)


def image_evaluation(matched: np.ndarray,
                     in_subset: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Classify one image's sorted predictions for one subset.

    Args:
        matched (np.ndarray): shape (P,), face index of each prediction (sorted
            by score) from :func:`match_predictions`, -1 for no hit.
        in_subset (np.ndarray): shape (G,), bool, True for faces in the subset.

    Returns:
        Tuple[np.ndarray, np.ndarray]:
        - kept: shape (P,), bool; False for predictions whose face is outside
          the subset (they are removed from the count, the official -1).
        - recalled: shape (P,), int64; number of distinct subset faces hit by
          predictions ``0 .. p`` (a repeated hit adds nothing: false positive).
    """
    matched = np.asarray(matched, dtype=np.int64)
    in_subset = np.asarray(in_subset, dtype=bool)
    hit = matched >= 0
    hit_in_subset = np.zeros(len(matched), dtype=bool)
    hit_in_subset[hit] = in_subset[matched[hit]]
    kept = ~hit | hit_in_subset
    first_hit = np.zeros(len(matched), dtype=bool)
    hit_idx = np.flatnonzero(hit_in_subset)
    # np.unique returns the first position of each face among the hits.
    _, first = np.unique(matched[hit_idx], return_index=True)
    first_hit[hit_idx[first]] = True
    return kept, np.cumsum(first_hit)


def image_pr_counts(scores: np.ndarray, kept: np.ndarray, recalled: np.ndarray,
                    thresholds: np.ndarray) -> np.ndarray:
    """Per-threshold proposal and recall counts of one image.

    Args:
        scores (np.ndarray): shape (P,), normalised scores, non-increasing.
        kept (np.ndarray): shape (P,), bool, from :func:`image_evaluation`.
        recalled (np.ndarray): shape (P,), from :func:`image_evaluation`.
        thresholds (np.ndarray): shape (T,).

    Returns:
        np.ndarray: shape (T, 2), float64. For each threshold the predictions
        with score >= threshold are a prefix of length r; column 0 counts the
        kept ones among them, column 1 is ``recalled[r - 1]`` (0 when r = 0).
    """
    # Scores are sorted descending, so -scores is ascending.
    num_above = np.searchsorted(-np.asarray(scores, dtype=np.float64),
                                -np.asarray(thresholds, dtype=np.float64),
                                side='right')
    cum_kept = np.concatenate([[0], np.cumsum(kept)])
    cum_recalled = np.concatenate([[0], recalled])
    return np.stack([cum_kept[num_above], cum_recalled[num_above]],
                    axis=1).astype(np.float64)


def dataset_pr_curve(counts: np.ndarray,
                     num_faces: int) -> Tuple[np.ndarray, np.ndarray]:
    """Precision and recall from the counts pooled over all images.

    Args:
        counts (np.ndarray): shape (T, 2), summed :func:`image_pr_counts`.
        num_faces (int): number of faces in the subset.

    Returns:
        Tuple[np.ndarray, np.ndarray]: precision and recall, each shape (T,).
        Precision is NaN where no prediction is kept (0/0, as officially);
        recall is NaN everywhere when ``num_faces`` is 0.
    """
    proposals, recalled = counts[:, 0], counts[:, 1]
    with np.errstate(invalid='ignore', divide='ignore'):
        precision = recalled / proposals
        recall = recalled / num_faces if num_faces else np.full(
            len(recalled), np.nan)
    return precision, recall


def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """VOC all-point AP: area under the precision envelope.

    Args:
        recall (np.ndarray): shape (T,), non-decreasing.
        precision (np.ndarray): shape (T,); NaN entries count as 0. They occur
            only before the first recalled face, where recall is still 0, so
            they never change the sum (MATLAB's ``max`` skips NaN likewise).

    Returns:
        float: the AP.
    """
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], np.nan_to_num(precision, nan=0.0), [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    changed = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    return float(np.sum((mrec[changed] - mrec[changed - 1]) * mpre[changed]))


def evaluate_wider_face(
        preds: Mapping[str, np.ndarray],
        gt: Mapping[str, WiderFaceImageGT],
        subsets: Sequence[str] = WIDER_FACE_SUBSETS,
        iou_thr: float = WIDER_FACE_IOU_THR,
        num_thrs: int = WIDER_FACE_NUM_THRS) -> Dict[str, WiderFaceResult]:
    """Evaluate predictions with the WIDER FACE protocol.

    Only images in ``gt`` are evaluated (predictions for other keys are
    ignored, also for the score normalisation); an image of ``gt`` without an
    entry in ``preds``, or with None, has no prediction. Images without any
    face contribute nothing, not even false positives (as officially).

    Args:
        preds (Mapping[str, np.ndarray]): image key (``"<event>/<name>"``) to
            an array of shape (P, 5), ``x y w h score``, in any order.
        gt (Mapping[str, WiderFaceImageGT]): image key to ground truth, e.g.
            from :func:`load_wider_gt_mat` or :func:`load_wider_gt_coco`.
        subsets (Sequence[str]): subset names to evaluate.
        iou_thr (float): IoU of a hit; the benchmark uses 0.5.
        num_thrs (int): number of score thresholds; the benchmark uses 1000.

    Returns:
        Dict[str, WiderFaceResult]: subset name to its AP and PR curve.

    Raises:
        ValueError: a prediction array is not (P, 5) or holds NaN or inf.
    """
    sorted_preds = {}
    for key in gt:
        if preds.get(key) is None:
            continue
        pred = float_rows(preds[key], 5, f'predictions of {key}')
        sorted_preds[key] = sort_predictions(pred)
    norm_preds = normalize_scores(sorted_preds)
    thresholds = wider_face_score_thresholds(num_thrs)

    counts = {s: np.zeros((num_thrs, 2)) for s in subsets}
    num_faces = dict.fromkeys(subsets, 0)
    for key, img_gt in gt.items():
        for s in subsets:
            num_faces[s] += int(np.count_nonzero(img_gt.subsets[s]))
        pred = norm_preds.get(key)
        if pred is None or len(pred) == 0 or len(img_gt.boxes) == 0:
            continue
        # Matching does not depend on the subset: do it once per image.
        matched = match_predictions(pred[:, :4], img_gt.boxes, iou_thr)
        for s in subsets:
            kept, recalled = image_evaluation(matched, img_gt.subsets[s])
            counts[s] += image_pr_counts(pred[:, 4], kept, recalled,
                                         thresholds)

    results = {}
    for s in subsets:
        precision, recall = dataset_pr_curve(counts[s], num_faces[s])
        ap = voc_ap(recall, precision) if num_faces[s] else float('nan')
        results[s] = WiderFaceResult(ap, precision, recall, num_faces[s])
    return results
