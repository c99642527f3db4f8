"""Position-sensitive RoI extractor (R-FCN, arXiv 1605.06409, Sec. 2).

mmcv 2.x ships no position-sensitive RoI op, so this extractor offers three
backends for the same computation:

- ``'torchvision'``: ``torchvision.ops.ps_roi_align`` / ``ps_roi_pool`` (CPU and
  CUDA kernels with autograd).
- ``'mmcv'``: ``mmcv.ops.RoIAlign`` over all ``G * k * k`` channels at ``k x k``
  output, after which bin ``(i, j)`` keeps only its own channel group. It does
  ``k * k`` times the work of a dedicated kernel; it exists as the second,
  independent implementation and for platforms where mmcv has a kernel and
  torchvision has none. PS *average pooling* has no mmcv counterpart (mmcv's
  RoIPool takes the max), so this backend supports ``PSRoIAlign`` only.
- ``'onnx'``: :class:`GridSamplePSRoIAlign`, torchvision's ``ps_roi_align``
  rebuilt from ``grid_sample`` and elementwise ops, for export: no exporter
  translates torchvision's op, and ONNX has no position-sensitive RoI op.
  ``PSRoIAlign`` only, with a fixed ``sampling_ratio`` (the adaptive count
  gives data-dependent shapes).

torchvision's ``ps_roi_pool`` clips bin ends at ``H - 1`` / ``W - 1``, so it
never reads the last row and column of the score map (R-FCN's definition
does), while its backward uses R-FCN's bins, so for RoIs touching the last
row/column its gradient is not that of its own forward (seen on CPU and CUDA,
torchvision 0.26 and 0.29). ``ps_roi_align`` has neither quirk; it is the
default. Tests pin both facts against the
naive reference in :mod:`mmfacerfcn.testing`.

Channel layout (torchvision's and R-FCN's): for ``G`` output groups on a
``k x k`` grid the input has ``G * k * k`` channels, and output channel ``g`` at
bin ``(i, j)`` reads input channel ``(g * k + i) * k + j``.
"""
from typing import List, Optional, Tuple

import torch
from mmcv.ops import RoIAlign
from mmdet.models.roi_heads.roi_extractors import BaseRoIExtractor
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptMultiConfig
from torch import Tensor, nn
from torchvision.ops import PSRoIAlign, PSRoIPool

from .grid_sample_ps_roi_align import GridSamplePSRoIAlign


class MMCVPSRoIAlign(nn.Module):
    """PS RoI align from ``mmcv.ops.RoIAlign`` plus a per-bin channel gather.

    Args:
        output_size (int): Bins per side ``k``.
        spatial_scale (float): Feature-map scale w.r.t. the image (1 / stride).
        sampling_ratio (int): Samples per bin side; ``<= 0`` is adaptive
            (``ceil(roi_size / k)``), as in torchvision.
    """

    def __init__(self, output_size: int, spatial_scale: float,
                 sampling_ratio: int = -1) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        # aligned=True: the half-pixel offset torchvision's ps_roi_align uses.
        self.roi_align = RoIAlign(output_size, spatial_scale,
                                  max(sampling_ratio, 0), aligned=True)

    def forward(self, x: Tensor, rois: Tensor) -> Tensor:
        """Pool ``x`` over ``rois``.

        Args:
            x (Tensor): Score maps, shape (B, G * k * k, H, W).
            rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)``.

        Returns:
            Tensor: shape (n, G, k, k).
        """
        k = self.output_size
        n = rois.size(0)
        groups = x.size(1) // (k * k)
        pooled = self.roi_align(x, rois)  # (n, G*k*k, k, k)
        # (n, G, source bin, output bin): bin b reads its own group, the diagonal.
        pooled = pooled.view(n, groups, k * k, k * k)
        return pooled.diagonal(dim1=2, dim2=3).reshape(n, groups, k, k)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(output_size={self.output_size}, '
                f'spatial_scale={self.spatial_scale}, '
                f'sampling_ratio={self.sampling_ratio})')


# (backend, roi_layer type) -> layer class. torchvision's classes take
# (output_size, spatial_scale[, sampling_ratio]) like MMCVPSRoIAlign and
# GridSamplePSRoIAlign.
PS_ROI_LAYERS = {
    ('torchvision', 'PSRoIAlign'): PSRoIAlign,
    ('torchvision', 'PSRoIPool'): PSRoIPool,
    ('mmcv', 'PSRoIAlign'): MMCVPSRoIAlign,
    ('onnx', 'PSRoIAlign'): GridSamplePSRoIAlign,
}


@MODELS.register_module()
class PSRoIExtractor(BaseRoIExtractor):
    """Position-sensitive RoI pooling over full-image score maps.

    Args:
        roi_layer (dict): ``type`` is ``'PSRoIAlign'`` or ``'PSRoIPool'``, plus
            ``output_size`` (``k``) and, for align, ``sampling_ratio``
            (``<= 0``: adaptive).
        featmap_strides (list[int]): Stride of the score map, one entry: R-FCN
            pools a single stride-16 map. Defaults to ``[16]``.
        backend (str): ``'torchvision'``, ``'mmcv'`` (align only) or
            ``'onnx'`` (align only, fixed ``sampling_ratio >= 1``; exports
            to standard ONNX ops). Defaults to ``'torchvision'``.
        out_channels (int, optional): Groups per RoI ``G`` the head expects;
            when given, inputs are checked against it. Defaults to None.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 roi_layer: ConfigType,
                 featmap_strides: List[int] = [16],
                 backend: str = 'torchvision',
                 out_channels: Optional[int] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if len(featmap_strides) != 1:
            raise ValueError('PSRoIExtractor pools one score map; got '
                             f'featmap_strides={featmap_strides}')
        self.backend = backend
        super().__init__(roi_layer=roi_layer, out_channels=out_channels,
                         featmap_strides=featmap_strides, init_cfg=init_cfg)
        self.output_size = self.roi_layers[0].output_size
        if isinstance(self.output_size, (tuple, list)):
            self.output_size = self.output_size[0]

    def build_roi_layers(self, layer_cfg: ConfigType,
                         featmap_strides: List[int]) -> nn.ModuleList:
        """Build the PS layer of the chosen backend.

        Args:
            layer_cfg (dict): ``roi_layer`` from the constructor.
            featmap_strides (list[int]): One stride.

        Returns:
            nn.ModuleList: One layer.
        """
        cfg = dict(layer_cfg)
        layer_type = cfg.pop('type')
        key = (self.backend, layer_type)
        if key not in PS_ROI_LAYERS:
            raise ValueError(
                f'PSRoIExtractor: no {layer_type} for backend '
                f'{self.backend!r}; available: {sorted(PS_ROI_LAYERS)} '
                '(only torchvision has position-sensitive average pooling)')
        if layer_type == 'PSRoIAlign':
            # mmcv spells "adaptive" 0, torchvision -1; accept either. The
            # onnx layer refuses both, naming the value.
            ratio = cfg.pop('sampling_ratio', -1)
            cfg['sampling_ratio'] = -1 if ratio <= 0 else ratio
        return nn.ModuleList([
            PS_ROI_LAYERS[key](spatial_scale=1.0 / s, **cfg)
            for s in featmap_strides
        ])

    def forward(self,
                feats: Tuple[Tensor],
                rois: Tensor,
                roi_scale_factor: Optional[float] = None) -> Tensor:
        """Pool each RoI's k x k bins from the position-sensitive score maps.

        Args:
            feats (tuple[Tensor]): One score map, shape (B, G * k * k, H, W).
            rois (Tensor): shape (n, 5), ``(batch_idx, x1, y1, x2, y2)`` in
                image coordinates.
            roi_scale_factor (float, optional): Scale RoIs about their centres
                before pooling. Defaults to None.

        Returns:
            Tensor: shape (n, G, k, k).
        """
        feat = feats[0]
        k2 = self.output_size**2
        if feat.dim() != 4 or feat.size(1) % k2:
            raise ValueError(
                'PSRoIExtractor expects (B, G*k*k, H, W) score maps with '
                f'k={self.output_size}; got shape {tuple(feat.shape)}')
        if self.out_channels is not None and feat.size(1) != self.out_channels * k2:
            raise ValueError(f'expected {self.out_channels} groups of {k2} '
                             f'channels, got {feat.size(1)} channels')
        if rois.size(0) == 0:
            return feat.new_zeros(0, feat.size(1) // k2, self.output_size,
                                  self.output_size)
        if roi_scale_factor is not None:
            rois = self.roi_rescale(rois, roi_scale_factor)
        if feat.dtype in (torch.float16, torch.bfloat16):
            # RoI corners in half precision are off by up to a pixel at WIDER
            # sizes (measured on an H100: bins crossing the map edge then jump);
            # pool in fp32 and return the input's precision, as torchvision's
            # autocast wrapper does.
            return self.roi_layers[0](feat.float(), rois.float()).to(feat.dtype)
        return self.roi_layers[0](feat, rois.to(feat.dtype))
