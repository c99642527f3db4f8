"""Naive, loop-by-loop position-sensitive RoI pooling, for tests and benchmarks.

Written from the definitions (R-FCN arXiv 1605.06409 Eq. 1; RoIAlign, Mask
R-CNN arXiv 1703.06870, with the half-pixel "aligned" offset), with scalar
Python loops over RoIs, groups, bins and sampling points, built only from
indexing and arithmetic on tensors, so autograd through it gives a reference
gradient. Slow by design: use small inputs.

Channel layout: output group ``g`` at bin ``(i, j)`` reads input channel
``(g * k + i) * k + j``.
"""
import math

import torch
from torch import Tensor


def _bilinear(fmap: Tensor, y: float, x: float) -> Tensor:
    """Bilinear sample of a (H, W) map at (y, x); zero beyond one pixel out."""
    height, width = fmap.shape
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return fmap.new_zeros(())
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= height - 1:
        y0 = y1 = height - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= width - 1:
        x0 = x1 = width - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    hy, hx = 1.0 - ly, 1.0 - lx
    return (hy * hx * fmap[y0, x0] + hy * lx * fmap[y0, x1] +
            ly * hx * fmap[y1, x0] + ly * lx * fmap[y1, x1])


def ps_roi_align_reference(x: Tensor, rois: Tensor, k: int, spatial_scale: float,
                           sampling_ratio: int = -1) -> Tensor:
    """Position-sensitive RoI align, one sample at a time.

    Each bin averages ``s_h x s_w`` bilinear samples at the centres of a regular
    sub-grid of the bin (``s = sampling_ratio``, or ``ceil(bin size)`` when
    ``sampling_ratio <= 0``), with RoI corners shifted by half a pixel.

    Args:
        x (Tensor): shape (B, G * k * k, H, W).
        rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)``.
        k (int): Bins per side.
        spatial_scale (float): Map scale w.r.t. RoI coordinates.
        sampling_ratio (int): Samples per bin side; ``<= 0``: adaptive.

    Returns:
        Tensor: shape (n, G, k, k).
    """
    groups = x.size(1) // (k * k)
    out = []
    for roi in rois.tolist():
        b = int(roi[0])
        x1, y1, x2, y2 = (c * spatial_scale - 0.5 for c in roi[1:])
        bin_h, bin_w = (y2 - y1) / k, (x2 - x1) / k
        s_h = sampling_ratio if sampling_ratio > 0 else math.ceil((y2 - y1) / k)
        s_w = sampling_ratio if sampling_ratio > 0 else math.ceil((x2 - x1) / k)
        per_roi = []
        for g in range(groups):
            for i in range(k):
                for j in range(k):
                    fmap = x[b, (g * k + i) * k + j]
                    acc = x.new_zeros(())
                    for iy in range(s_h):
                        yy = y1 + i * bin_h + (iy + 0.5) * bin_h / s_h
                        for ix in range(s_w):
                            xx = x1 + j * bin_w + (ix + 0.5) * bin_w / s_w
                            acc = acc + _bilinear(fmap, yy, xx)
                    per_roi.append(acc / max(s_h * s_w, 1))
        out.append(torch.stack(per_roi).view(groups, k, k))
    return torch.stack(out) if out else x.new_zeros(0, groups, k, k)


def _round_half_away(v: float) -> int:
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def ps_roi_pool_reference(x: Tensor, rois: Tensor, k: int, spatial_scale: float,
                          skip_last_cell: bool = False) -> Tensor:
    """Position-sensitive RoI (average) pooling, R-FCN Eq. 1, one bin at a time.

    RoI corners are rounded to map cells; bin ``(i, j)`` covers cells
    ``[floor(i * h / k), ceil((i + 1) * h / k))`` from the RoI's top-left
    (clipped to the map) and averages them; an empty bin gives 0.

    Args:
        x (Tensor): shape (B, G * k * k, H, W).
        rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)``.
        k (int): Bins per side.
        spatial_scale (float): Map scale w.r.t. RoI coordinates.
        skip_last_cell (bool): Clip bin ends at ``H - 1`` / ``W - 1`` instead
            of ``H`` / ``W``, so the last row and column of the map are never
            read. torchvision's ``ps_roi_pool`` (0.29) does this; R-FCN's
            definition does not. Defaults to False.

    Returns:
        Tensor: shape (n, G, k, k).
    """
    groups = x.size(1) // (k * k)
    height, width = x.shape[-2:]
    if skip_last_cell:
        height, width = height - 1, width - 1
    out = []
    for roi in rois.tolist():
        b = int(roi[0])
        x1, y1, x2, y2 = (_round_half_away(c * spatial_scale) for c in roi[1:])
        roi_h, roi_w = max(y2 - y1, 1), max(x2 - x1, 1)
        per_roi = []
        for g in range(groups):
            for i in range(k):
                for j in range(k):
                    h0 = min(max(math.floor(i * roi_h / k) + y1, 0), height)
                    h1 = min(max(math.ceil((i + 1) * roi_h / k) + y1, 0), height)
                    w0 = min(max(math.floor(j * roi_w / k) + x1, 0), width)
                    w1 = min(max(math.ceil((j + 1) * roi_w / k) + x1, 0), width)
                    if h1 <= h0 or w1 <= w0:
                        per_roi.append(x.new_zeros(()))
                        continue
                    cells = x[b, (g * k + i) * k + j, h0:h1, w0:w1]
                    per_roi.append(cells.sum() / cells.numel())
        out.append(torch.stack(per_roi).view(groups, k, k))
    return torch.stack(out) if out else x.new_zeros(0, groups, k, k)


def ps_roi_edge_case_inputs(k: int = 3, groups: int = 2, seed: int = 0):
    """Small float64 inputs covering the conventions' edge cases.

    Two 9 x 11 maps (stride 16) and five RoIs: inside; leaving the map at the
    top-left; reaching the bottom-right border; smaller than one cell; large.

    Returns:
        tuple[Tensor, Tensor]: maps (2, groups * k * k, 9, 11) and RoIs (5, 5).
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, groups * k * k, 9, 11, generator=g, dtype=torch.float64)
    rois = torch.tensor(
        [
            [0, 3.0, 5.0, 60.0, 70.0],
            [1, -10.0, -4.0, 30.0, 25.0],
            [0, 100.0, 90.0, 180.0, 150.0],
            [1, 17.3, 22.9, 21.0, 26.0],
            [1, 40.0, 10.0, 120.0, 100.0],
        ],
        dtype=torch.float64)
    return x, rois
