"""The FDDB evaluation protocol (discrete and continuous ROC) in numpy.

FDDB (V. Jain and E. Learned-Miller, "FDDB: A Benchmark for Face Detection in
Unconstrained Settings", UM-CS-2010-009, 2010) annotates faces as ellipses and
scores detections as rectangles. The rules below come from the paper's Section 6
(6.1: the one-to-one matching of detections and annotations; Equation 2: the
overlap ratio; then the discrete and the continuous score) and, where the paper
is not precise, from the official evaluation program by Vidit Jain (``evaluate.cpp``,
``Matching.cpp``, ``MatchPair.cpp``, ``Hungarian.cpp``, ``Results.cpp``,
``Region.cpp``, ``RegionsSingleImage.cpp``, ``EllipsesSingleImage.cpp``,
``EllipseR.cpp``, ``RectangleR.cpp``; read in the copies vendored by
github.com/caiqi/fddb-evaluate and github.com/imistyrain/fddb ``evaluation/``).

1. Rasterisation (``Matching::computePairWiseScores``, ``Region::setIntersect``
   and ``setUnion``, ``EllipseR::display``, ``RectangleR::display``). Each region
   is drawn filled into a mask of the image's size; the intersection and the
   union are numbers of pixels, so whatever lies outside the image is clipped.
   A pixel is addressed by integer coordinates (column x, row y), its centre in
   OpenCV's convention.

   - Rectangle ``x y w h``: the corners ``(x, y)`` and ``(x + w, y + h)`` are
     converted to float32 and rounded to the nearest integer, ties to even
     (``cvPointFrom32f``, ``cvRound``); the filled rectangle covers both corners:
     columns ``x1 .. x2`` and rows ``y1 .. y2``, right and bottom edges
     inclusive, so an integer box covers ``(w + 1) * (h + 1)`` pixels.
   - Ellipse ``major_axis_radius minor_axis_radius angle center_x center_y``:
     the centre is rounded like a corner, the radii are truncated to integers
     (``(int)ra``), the angle goes to degrees (the program stores
     ``(pi - angle) * 180 / pi`` and draws ``180 -`` that) and ``cvEllipse``
     rounds it to whole degrees. The major radius lies along
     ``(cos angle, sin angle)`` in image coordinates (y pointing down).
   - CHOSEN READING for the ellipse's pixels: OpenCV fills it as a polygon
     with a vertex every few degrees (``ellipse2Poly``), rounding each row's
     span ends to the nearest pixel, and draws its 8-connected outline on top
     (``FillConvexPoly``). This module does not copy that polygon; it keeps
     what the spans and the outline amount to: a pixel is inside when the
     closed quantised ellipse meets the horizontal or the vertical segment of
     length 1 through its centre, i.e. when ``(u * b)**2 + (v * a)**2 <=
     (a * b)**2`` somewhere on one of them (``u``, ``v``: offsets from the
     centre along the major and minor axis; ``a``, ``b``: truncated radii).
     Against OpenCV 4.10's ``cv2.ellipse`` this differs on 0.25% of the
     pixels for major radii of 40-120 px, 0.7% for 15-40 px and 2% for
     10-15 px (where OpenCV puts a vertex every 18 degrees only; FDDB faces
     are at least 20 px high); counting the pixel centres inside would miss
     3.3% (always too few). On FDDB-like face boxes it moves the ratio by
     -0.0002 on average (-0.0055 with pixel centres). Radii below 1 pixel (a
     segment or a point for OpenCV; FDDB has none) are rejected.

2. Matching (``Matching::runHungarian``, ``Hungarian.cpp`` in HUNGARIAN_MAX mode).
   The ratio |E & R| / |E | R| is computed for every face and detection of the
   image (Equation 2; 0 when the union is empty, where the program divides 0 by
   0). No pair is removed before the matching: the one-to-one matching
   maximises the SUM of the ratios over the detections kept at the threshold.
   Assigned pairs with ratio 0 are no match. Among assignments with the same
   sum, scipy's ``linear_sum_assignment`` picks one (the official solver's pick
   depends on its pivoting); exact ties of pixel ratios are rare.

3. Scores (``Results::Results``). A matched pair is a discrete true positive
   when its ratio is above :data:`FDDB_DISCRETE_RATIO_THR` (strictly). The
   continuous true positive count adds the ratio of EVERY matched pair, also
   those of ratio <= 0.5. There is a single false positive count for both
   curves: the kept detections minus the discrete true positives. So a matched
   detection of ratio 0.3 adds 0.3 to the continuous count and 1 false positive.

4. ROC (``evaluate.cpp``, ``RegionsSingleImage::getUniqueScores``,
   ``Results::merge``, ``Results::saveROC``). In each image, for every distinct
   score ``s`` of its detections, the detections with score >= ``s`` are kept
   and the matching is computed AGAIN on them (it is not computed once and then
   thresholded: the best matching of fewer detections can differ). Images are
   merged on the union of all their distinct scores: at a threshold ``t`` an
   image contributes its counts at its smallest own score >= ``t``, and nothing
   when ``t`` is above all its scores. Scores are compared exactly; detections
   with the same score enter together, and equal scores of different images
   give one ROC point. The true positive rate divides by all faces of all
   images (0 when there is none; the program writes ``0 0`` then).

5. Images without detections add their faces to the count and one point at
   threshold :data:`FDDB_NO_DETECTION_THR` (DBL_MAX) with 0 true and 0 false
   positives. Images without faces add every kept detection as a false
   positive.

6. :func:`tpr_at_fp` (TPR at a number of false positives, the table Face R-FCN
   papers report) is not part of the program, which plots every point with
   gnuplot. CHOSEN READING: the ROC is a step curve; lowering the threshold
   from the highest score, take the true positive rate of the last point before
   the false positives first exceed ``n`` (0 when even the highest threshold
   exceeds it).

This module imports numpy and scipy only.
"""
import math
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .arrays import float_rows

#: A matched pair is a discrete true positive when its ratio is strictly above.
FDDB_DISCRETE_RATIO_THR = 0.5
#: Threshold of the single ROC entry of an image without detections (DBL_MAX).
FDDB_NO_DETECTION_THR = float(np.finfo(np.float64).max)
#: False-positive counts of the TPR table (:func:`tpr_at_fp`).
FDDB_TPR_AT_FPS = (500, 1000, 2000)


def _degree_table() -> Tuple[np.ndarray, np.ndarray]:
    """cos and sin of the whole degrees 0 .. 359, exact at multiples of 90
    like OpenCV's sine table (math, not numpy: the same on every machine)."""
    cos = np.array([math.cos(math.radians(d)) for d in range(360)])
    sin = np.array([math.sin(math.radians(d)) for d in range(360)])
    cos[[0, 90, 180, 270]] = 1.0, 0.0, -1.0, 0.0
    sin[[0, 90, 180, 270]] = 0.0, 1.0, 0.0, -1.0
    return cos, sin


_COS_DEG, _SIN_DEG = _degree_table()


class FDDBImage(NamedTuple):
    """Annotations and detections of one image.

    Attributes:
        ellipses (np.ndarray): shape (F, 5), ``major_axis_radius
            minor_axis_radius angle center_x center_y`` as in the FDDB
            ellipse files (angle in radians; a 6th column is ignored).
        detections (np.ndarray): shape (D, 5), ``x y w h score``, left-top
            corner, width, height, as in the FDDB detection files.
        height (int): image height in pixels.
        width (int): image width in pixels.
    """
    ellipses: np.ndarray
    detections: np.ndarray
    height: int
    width: int


class FDDBImageCounts(NamedTuple):
    """Counts of one image at each of its distinct detection scores.

    Attributes:
        thresholds (np.ndarray): shape (K,), float64, the distinct scores,
            ascending.
        tp_disc (np.ndarray): shape (K,), int64, discrete true positives of the
            detections with score >= threshold.
        tp_cont (np.ndarray): shape (K,), float64, continuous true positives.
        fp (np.ndarray): shape (K,), int64, false positives.
    """
    thresholds: np.ndarray
    tp_disc: np.ndarray
    tp_cont: np.ndarray
    fp: np.ndarray


def _as_rows(array, ncols: int, name: str) -> np.ndarray:
    """``array`` as float64 of shape (N, >= ncols), N may be 0."""
    return float_rows(array, ncols, name, exact=False)


def _round_f32(values: np.ndarray) -> np.ndarray:
    """cvRound(float): to float32, then to the nearest integer, ties to even."""
    return np.rint(np.asarray(values, dtype=np.float64).astype(np.float32)
                   ).astype(np.float64)


def quantize_ellipses(ellipses: np.ndarray) -> np.ndarray:
    """The integer ellipses the official program draws (rule 1).

    Args:
        ellipses (np.ndarray): shape (F, 5), ``major_axis_radius
            minor_axis_radius angle center_x center_y``, angle in radians.

    Returns:
        np.ndarray: shape (F, 5), int64, ``cx cy a b deg``: the rounded centre,
        the truncated radii (``a`` along the major axis) and the angle in whole
        degrees, in ``[0, 360)``.

    Raises:
        ValueError: a radius is below 1 pixel, or a value is not finite.
    """
    ell = _as_rows(ellipses, 5, 'ellipses')[:, :5]
    if (ell[:, :2] < 1).any():
        raise ValueError('ellipses: radii below 1 pixel are not supported')
    a, b = np.trunc(ell[:, 0]), np.trunc(ell[:, 1])
    # Same operations as EllipsesSingleImage::read and EllipseR::display.
    deg = np.rint(180.0 - (np.pi - ell[:, 2]) * 180.0 / np.pi) % 360
    cx, cy = _round_f32(ell[:, 3]), _round_f32(ell[:, 4])
    return np.stack([cx, cy, a, b, deg], axis=1).astype(np.int64)


def _ellipse_patches(ellipses: np.ndarray, height: int,
                     width: int) -> List[Tuple[int, int, np.ndarray]]:
    """Each ellipse rasterised in its bounding box clipped to the image.

    Returns:
        List[Tuple[int, int, np.ndarray]]: per ellipse ``(x0, y0, patch)``,
        ``patch`` a bool array covering columns ``x0 ..`` and rows ``y0 ..``
        of the image (shape (0, 0) when the box is outside the image).
    """
    patches = []
    for cx, cy, a, b, deg in quantize_ellipses(ellipses).tolist():
        r = max(a, b)  # the ellipse lies in the square of half-side r
        x0, x1 = max(cx - r, 0), min(cx + r, width - 1)
        y0, y1 = max(cy - r, 0), min(cy + r, height - 1)
        if x0 > x1 or y0 > y1:
            patches.append((0, 0, np.zeros((0, 0), dtype=bool)))
            continue
        c, s = _COS_DEG[deg], _SIN_DEG[deg]
        a2, b2 = float(a * a), float(b * b)
        dx = (np.arange(x0, x1 + 1) - cx).astype(np.float64)[None, :]
        dy = (np.arange(y0, y1 + 1) - cy).astype(np.float64)[:, None]
        u = dx * c + dy * s  # along the major axis
        v = dy * c - dx * s  # along the minor axis
        # The quadratic b2 * u'**2 + a2 * v'**2 along the horizontal segment
        # (u' = u + t * c, v' = v - t * s) and the vertical one (u' = u + t * s,
        # v' = v + t * c), |t| <= 1/2, is smallest at its vertex t clipped.
        t = np.clip(-(b2 * u * c - a2 * v * s) / (b2 * c * c + a2 * s * s),
                    -0.5, 0.5)
        uh, vh = u + t * c, v - t * s
        t = np.clip(-(b2 * u * s + a2 * v * c) / (b2 * s * s + a2 * c * c),
                    -0.5, 0.5)
        uv, vv = u + t * s, v + t * c
        limit = a2 * b2
        patches.append((x0, y0, (b2 * (uh * uh) + a2 * (vh * vh) <= limit)
                        | (b2 * (uv * uv) + a2 * (vv * vv) <= limit)))
    return patches


def ellipse_masks(ellipses: np.ndarray, height: int, width: int) -> np.ndarray:
    """Rasterise ellipses into masks of the image's size (rule 1).

    Args:
        ellipses (np.ndarray): shape (F, 5), FDDB ellipses (see
            :class:`FDDBImage`).
        height (int): image height H.
        width (int): image width W.

    Returns:
        np.ndarray: shape (F, H, W), bool; pixels outside the image are clipped.
    """
    patches = _ellipse_patches(ellipses, height, width)
    masks = np.zeros((len(patches), height, width), dtype=bool)
    for mask, (x0, y0, patch) in zip(masks, patches):
        mask[y0:y0 + patch.shape[0], x0:x0 + patch.shape[1]] = patch
    return masks


def ellipse_mask(ellipse: np.ndarray, height: int, width: int) -> np.ndarray:
    """Rasterise one ellipse (rule 1).

    Args:
        ellipse (np.ndarray): shape (5,), ``major_axis_radius
            minor_axis_radius angle center_x center_y``.
        height (int): image height H.
        width (int): image width W.

    Returns:
        np.ndarray: shape (H, W), bool.
    """
    return ellipse_masks(np.reshape(ellipse, (1, -1)), height, width)[0]


def rect_corners(rects: np.ndarray) -> np.ndarray:
    """The inclusive integer corners the official program draws (rule 1).

    Args:
        rects (np.ndarray): shape (D, 4) (or (D, 5) with the score), ``x y w h``.

    Returns:
        np.ndarray: shape (D, 4), float64 holding integers, ``x1 y1 x2 y2``
        with ``x1 <= x2`` and ``y1 <= y2``: the rectangle covers columns
        ``x1 .. x2`` and rows ``y1 .. y2``, before clipping to the image.
    """
    r = _as_rows(rects, 4, 'rects')
    xa, ya = _round_f32(r[:, 0]), _round_f32(r[:, 1])
    xb, yb = _round_f32(r[:, 0] + r[:, 2]), _round_f32(r[:, 1] + r[:, 3])
    return np.stack([np.minimum(xa, xb), np.minimum(ya, yb),
                     np.maximum(xa, xb), np.maximum(ya, yb)], axis=1)


def _clipped_corners(rects: np.ndarray, height: int, width: int):
    """Corners clipped to the image, as int64, and a mask of the non-empty."""
    c = rect_corners(rects)
    x1, y1 = np.maximum(c[:, 0], 0), np.maximum(c[:, 1], 0)
    x2, y2 = np.minimum(c[:, 2], width - 1), np.minimum(c[:, 3], height - 1)
    nonempty = (x1 <= x2) & (y1 <= y2)
    out = np.where(nonempty[:, None], np.stack([x1, y1, x2, y2], axis=1), 0)
    return out.astype(np.int64), nonempty


def rect_mask(rect: np.ndarray, height: int, width: int) -> np.ndarray:
    """Rasterise one detection rectangle (rule 1).

    Args:
        rect (np.ndarray): shape (4,) or (5,), ``x y w h [score]``.
        height (int): image height H.
        width (int): image width W.

    Returns:
        np.ndarray: shape (H, W), bool; columns ``x1 .. x2`` and rows
        ``y1 .. y2`` of :func:`rect_corners`, clipped to the image.
    """
    corners, nonempty = _clipped_corners(np.reshape(rect, (1, -1)), height,
                                         width)
    x1, y1, x2, y2 = corners[0].tolist()
    mask = np.zeros((height, width), dtype=bool)
    if nonempty[0]:
        mask[y1:y2 + 1, x1:x2 + 1] = True
    return mask


def match_scores(ellipses: np.ndarray, rects: np.ndarray, height: int,
                 width: int) -> np.ndarray:
    """Pixel ratio of intersection to union of every detection and face.

    Vectorised over the detections: each face gets a summed-area table over
    its bounding box, which counts its pixels in every rectangle at once.

    Args:
        ellipses (np.ndarray): shape (F, 5), FDDB ellipses.
        rects (np.ndarray): shape (D, 4) or (D, 5), ``x y w h [score]``.
        height (int): image height H.
        width (int): image width W.

    Returns:
        np.ndarray: shape (D, F), float64, in [0, 1]; 0 where the union is
        empty.
    """
    corners, nonempty = _clipped_corners(rects, height, width)
    x1, y1, x2, y2 = corners.T
    rect_area = np.where(nonempty, (x2 - x1 + 1) * (y2 - y1 + 1), 0)
    patches = _ellipse_patches(ellipses, height, width)
    ratios = np.zeros((len(nonempty), len(patches)), dtype=np.float64)
    for f, (x0, y0, patch) in enumerate(patches):
        ph, pw = patch.shape
        if patch.size == 0:  # outside the image: no intersection, ratio 0
            continue
        table = np.zeros((ph + 1, pw + 1), dtype=np.int64)
        table[1:, 1:] = patch.cumsum(axis=0).cumsum(axis=1)
        # The rectangles in the patch's frame, clipped to it.
        qx1, qx2 = np.maximum(x1 - x0, 0), np.minimum(x2 - x0, pw - 1)
        qy1, qy2 = np.maximum(y1 - y0, 0), np.minimum(y2 - y0, ph - 1)
        hit = nonempty & (qx1 <= qx2) & (qy1 <= qy2)
        qx1, qx2, qy1, qy2 = (np.where(hit, q, 0) for q in (qx1, qx2, qy1, qy2))
        inter = np.where(hit, table[qy2 + 1, qx2 + 1] - table[qy1, qx2 + 1]
                         - table[qy2 + 1, qx1] + table[qy1, qx1], 0)
        union = table[-1, -1] + rect_area - inter
        np.divide(inter, union, out=ratios[:, f], where=union > 0)
    return ratios


def match_image(ratios: np.ndarray,
                valid: Optional[np.ndarray] = None) -> np.ndarray:
    """One-to-one matching of maximal summed ratio (rule 2).

    Args:
        ratios (np.ndarray): shape (D, F), from :func:`match_scores`.
        valid (np.ndarray, optional): shape (D,), bool, the detections taking
            part (those above the score threshold); all when None.

    Returns:
        np.ndarray: shape (D,), float64: the ratio of each detection's matched
        face, 0 for detections left unmatched, matched at ratio 0, or not valid.
    """
    ratios = np.asarray(ratios, dtype=np.float64)
    matched = np.zeros(ratios.shape[0], dtype=np.float64)
    if valid is None:
        rows = np.ones(ratios.shape[0], dtype=bool)
    else:
        rows = np.asarray(valid, dtype=bool)
    positive = ratios > 0
    det_idx = np.flatnonzero(rows & positive.any(axis=1))
    face_idx = np.flatnonzero(positive[rows].any(axis=0))
    if len(det_idx) == 0:
        return matched
    sub = ratios[np.ix_(det_idx, face_idx)]
    r, c = linear_sum_assignment(sub, maximize=True)
    keep = sub[r, c] > 0
    matched[det_idx[r[keep]]] = sub[r[keep], c[keep]]
    return matched


def image_counts(ratios: np.ndarray, scores: np.ndarray) -> FDDBImageCounts:
    """Counts of one image at each of its distinct scores (rules 2 to 4).

    The matching is run again for every distinct score, on the detections with
    score >= that score (only when a detection overlapping a face joins: the
    others cannot change it).

    Args:
        ratios (np.ndarray): shape (D, F), from :func:`match_scores`.
        scores (np.ndarray): shape (D,), detection scores.

    Returns:
        FDDBImageCounts: K = number of distinct scores (0 when D = 0).
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    ratios = np.asarray(ratios, dtype=np.float64)
    if ratios.size == 0:
        ratios = np.zeros((len(scores), 0))
    if np.isnan(scores).any():
        raise ValueError('detection scores must not be NaN')
    thresholds = np.unique(scores)
    k = len(thresholds)
    tp_disc = np.zeros(k, dtype=np.int64)
    tp_cont = np.zeros(k, dtype=np.float64)
    fp = np.zeros(k, dtype=np.int64)
    overlapping = (ratios > 0).any(axis=1)
    last_key, disc, cont = -1, 0, 0.0
    for i in range(k - 1, -1, -1):  # highest threshold first
        valid = scores >= thresholds[i]
        key = int(np.count_nonzero(valid & overlapping))
        if key != last_key:
            matched = match_image(ratios, valid)
            disc = int(np.count_nonzero(matched > FDDB_DISCRETE_RATIO_THR))
            cont = float(matched.sum())
            last_key = key
        tp_disc[i], tp_cont[i] = disc, cont
        fp[i] = np.count_nonzero(valid) - disc
    return FDDBImageCounts(thresholds, tp_disc, tp_cont, fp)


def fddb_roc(images: Iterable[FDDBImage]) -> Dict[str, np.ndarray]:
    """The official discrete and continuous ROC over a set of images.

    Args:
        images (Iterable[FDDBImage]): per image ``(ellipses (F, 5),
            detections (D, 5), height, width)``.

    Returns:
        Dict[str, np.ndarray]: K points, one per distinct threshold (plus
        :data:`FDDB_NO_DETECTION_THR` when an image has no detection), in the
        order of the official ``DiscROC.txt`` (thresholds ascending):

        - ``thresholds``: shape (K,), float64.
        - ``tp_disc``: shape (K,), int64, discrete true positives.
        - ``tp_cont``: shape (K,), float64, continuous true positives.
        - ``fp``: shape (K,), int64, false positives (both curves).
        - ``tpr_disc``, ``tpr_cont``: shape (K,), float64, over ``num_faces``
          (0 when there is no face).
        - ``num_faces``: int, faces of all images.
    """
    per_image = []
    num_faces = 0
    no_detection = False
    for image in images:
        ellipses, detections, height, width = image
        ell = _as_rows(ellipses, 5, 'ellipses')
        det = _as_rows(detections, 5, 'detections')
        num_faces += len(ell)
        if len(det) == 0:
            no_detection = True
            continue
        ratios = match_scores(ell, det, int(height), int(width))
        per_image.append(image_counts(ratios, det[:, 4]))

    own = [c.thresholds for c in per_image]
    if no_detection:
        own.append(np.array([FDDB_NO_DETECTION_THR]))
    thresholds = np.unique(np.concatenate(own)) if own else np.zeros(0)
    k = len(thresholds)
    # An image's counts are a step function of the threshold: on the global
    # thresholds in (s_{j-1}, s_j] they are those at its own s_j, above its
    # highest score they are 0. Telescope them from the top: add v_j - v_{j+1}
    # at s_j, then sum from the highest threshold down (so the points above
    # every score stay exactly 0).
    pos, steps = [], ([], [], [])
    for c in per_image:
        pos.append(np.searchsorted(thresholds, c.thresholds))
        for out, v in zip(steps, (c.tp_disc, c.tp_cont, c.fp)):
            out.append(v - np.append(v[1:], 0))
    sums = []
    for out in steps:
        inc = np.bincount(np.concatenate(pos), np.concatenate(out),
                          minlength=k) if per_image else np.zeros(k)
        sums.append(np.cumsum(inc[::-1])[::-1])
    tp_disc = np.rint(sums[0]).astype(np.int64)
    fp = np.rint(sums[2]).astype(np.int64)
    tp_cont = sums[1]
    denom = num_faces if num_faces else np.inf
    return {'thresholds': thresholds, 'tp_disc': tp_disc, 'tp_cont': tp_cont,
            'fp': fp, 'tpr_disc': tp_disc / denom, 'tpr_cont': tp_cont / denom,
            'num_faces': num_faces}


def tpr_at_fp(roc: Dict[str, np.ndarray],
              fps: Sequence[int] = FDDB_TPR_AT_FPS,
              continuous: bool = False) -> Dict[int, float]:
    """True positive rate at given numbers of false positives (rule 6).

    Args:
        roc (Dict[str, np.ndarray]): from :func:`fddb_roc`.
        fps (Sequence[int]): numbers of false positives n.
        continuous (bool): read the continuous curve instead of the discrete.

    Returns:
        Dict[int, float]: n to the TPR of the last point, lowering the
        threshold from the highest, before the false positives exceed n; 0.0
        when the first point already exceeds n.
    """
    order = np.argsort(-np.asarray(roc['thresholds']), kind='stable')
    fp = np.asarray(roc['fp'])[order]
    tpr = np.asarray(roc['tpr_cont' if continuous else 'tpr_disc'])[order]
    out = {}
    for n in fps:
        over = np.flatnonzero(fp > n)
        stop = over[0] if len(over) else len(fp)
        out[n] = float(tpr[stop - 1]) if stop > 0 else 0.0
    return out
