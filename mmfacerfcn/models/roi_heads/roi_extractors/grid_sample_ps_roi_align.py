"""Position-sensitive RoI align from ``grid_sample``: exportable to ONNX.

Hand-written because no exporter knows position-sensitive RoI align:
``torchvision.ops.ps_roi_align`` is a custom op with no ONNX symbolic or
translation (torch 2.14, torchvision 0.29: the dynamo exporter fails at its
translation step, the TorchScript one on the unrecognised namespace
``torchvision::ps_roi_align``), and ONNX has no such operator (its
``RoiAlign`` is the plain one). This module computes the same numbers from
``grid_sample`` (ONNX ``GridSample``) and elementwise ops, so a Face R-FCN
head exports with standard operators only.
"""
import torch
import torch.nn.functional as F
from torch import Tensor, nn


class GridSamplePSRoIAlign(nn.Module):
    """PS RoI align as ``torchvision.ops.ps_roi_align`` computes it, in
    standard ops.

    torchvision's convention: RoI corners are scaled by ``spatial_scale`` and
    shifted by half a pixel (-0.5); RoI sizes are not clamped; each of the
    ``k x k`` bins averages ``s x s`` bilinear samples at the centres of a
    regular sub-grid of the bin (``s = sampling_ratio``). A sample more than
    one pixel outside the map (``y < -1``, ``y > H``, ``x < -1`` or ``x > W``)
    is zero; any other is read at its coordinates clamped to
    ``[0, H - 1] x [0, W - 1]``.

    How: bin ``(i, j)`` reads only its own channel group, so the maps are
    regrouped into one ``grid_sample`` batch entry per bin, ``(k * k, G, B * H,
    W)``, the ``B`` images stacked along the height; each RoI's samples are
    clamped inside its own image (torchvision's border rule, which also keeps
    the bilinear taps off the neighbouring image) and shifted down by
    ``batch_idx * H``. Every RoI thus samples ``G`` channels at each of its
    ``k * k * s * s`` points, as the dedicated kernel does, whatever ``B`` is;
    samples beyond one pixel outside are masked to zero afterwards.

    Precision: in float64 it matches torchvision to rounding (~1e-14). In
    float32, ``grid_sample``'s normalised coordinates resolve the ``B * H``
    stacked rows, so coordinate rounding grows with ``B``: at ``B = 1`` the
    error is torchvision's own float32 error; at ``B = 2`` 1.2-1.6x it, at
    ``B = 4`` about 3x (measured on random 40 x 50 and 64 x 86 maps, k = 7;
    a few 1e-5 on unit-variance maps).

    Args:
        output_size (int): Bins per side ``k``.
        spatial_scale (float): Feature-map scale w.r.t. the RoI coordinates
            (1 / stride).
        sampling_ratio (int): Samples per bin side ``s``, at least 1. The
            adaptive count of the other backends (``<= 0``:
            ``ceil(roi_size / k)`` per RoI) makes the graph's shape depend on
            the data, so it is refused.
    """

    def __init__(self, output_size: int, spatial_scale: float,
                 sampling_ratio: int) -> None:
        super().__init__()
        if isinstance(output_size, (tuple, list)):
            if len(set(output_size)) != 1:
                raise ValueError('GridSamplePSRoIAlign needs square bins; got '
                                 f'output_size={output_size}')
            output_size = output_size[0]
        if sampling_ratio <= 0:
            raise ValueError(
                'GridSamplePSRoIAlign (the onnx PS RoI align backend) needs a '
                f'fixed sampling_ratio >= 1; got sampling_ratio={sampling_ratio}'
                ', which asks for the adaptive count ceil(roi_size / k) per '
                'RoI, a data-dependent shape an exported graph cannot have')
        self.output_size = int(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)

    def _sample_points(self, rois: Tensor, height: int,
                       width: int) -> tuple:
        """Sample coordinates of every bin of every RoI, in map pixels.

        Args:
            rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)``.
            height (int): Map height ``H``.
            width (int): Map width ``W``.

        Returns:
            tuple[Tensor, Tensor, Tensor]: ``ys`` and ``xs``, shape
            (n, k, k, s, s) each (RoI, bin row, bin column, sample row, sample
            column), clamped to the map; and ``inside``, of the same shape,
            1 where torchvision reads the sample and 0 where it counts zero.
        """
        k, s = self.output_size, self.sampling_ratio
        n = rois.size(0)
        corners = rois[:, 1:] * self.spatial_scale - 0.5
        x1, y1, x2, y2 = corners.unbind(1)
        bins = torch.arange(k, dtype=rois.dtype, device=rois.device)
        offsets = torch.arange(s, dtype=rois.dtype, device=rois.device) + 0.5

        def axis(start: Tensor, end: Tensor) -> Tensor:
            # (n, k, s): bin start plus the sample's offset inside the bin, in
            # torchvision's order of operations.
            size = ((end - start) / k)[:, None]
            bin_start = bins * size + start[:, None]
            return bin_start[:, :, None] + offsets * size[:, :, None] / s

        ys = axis(y1, y2)[:, :, None, :, None].expand(n, k, k, s, s)
        xs = axis(x1, x2)[:, None, :, None, :].expand(n, k, k, s, s)
        inside = (ys >= -1) & (ys <= height) & (xs >= -1) & (xs <= width)
        ys = ys.clamp(min=0).clamp(max=height - 1)
        xs = xs.clamp(min=0).clamp(max=width - 1)
        return ys, xs, inside.to(rois.dtype)

    def forward(self, x: Tensor, rois: Tensor) -> Tensor:
        """Pool ``x`` over ``rois``.

        Args:
            x (Tensor): Score maps, shape (B, G * k * k, H, W); output group
                ``g`` at bin ``(i, j)`` reads channel ``(g * k + i) * k + j``.
            rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)`` in
                the coordinates ``spatial_scale`` maps to the score map; same
                dtype as ``x``.

        Returns:
            Tensor: shape (n, G, k, k).
        """
        k, s = self.output_size, self.sampling_ratio
        batch, channels, height, width = x.shape
        groups = channels // (k * k)
        n = rois.size(0)
        # (k*k, G, B*H, W): bin (i, j)'s channel group as grid_sample batch
        # entry i * k + j, the images one above the other.
        maps = x.reshape(batch, groups, k * k, height, width).permute(
            2, 1, 0, 3, 4).reshape(k * k, groups, batch * height, width)
        ys, xs, inside = self._sample_points(rois, height, width)
        ys = ys + (rois[:, 0] * height).view(n, 1, 1, 1, 1)
        # Normalised for align_corners=False: pixel p sits at (2p + 1) / size
        # - 1. Coordinates are already inside their image, so 'border' only
        # absorbs rounding at the outer edges.
        grid = torch.stack(
            [(2 * xs + 1) / width - 1, (2 * ys + 1) / (batch * height) - 1],
            dim=-1)
        grid = grid.permute(1, 2, 0, 3, 4, 5).reshape(k * k, n, s * s, 2)
        samples = F.grid_sample(maps, grid, mode='bilinear',
                                padding_mode='border', align_corners=False)
        # (k*k, G, n, s*s) -> mean over samples -> (n, G, k, k)
        mask = inside.permute(1, 2, 0, 3, 4).reshape(k * k, 1, n, s * s)
        pooled = (samples * mask).mean(dim=-1)
        return pooled.permute(2, 1, 0).reshape(n, groups, k, k)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(output_size={self.output_size}, '
                f'spatial_scale={self.spatial_scale}, '
                f'sampling_ratio={self.sampling_ratio})')
