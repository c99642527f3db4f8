"""R-FCN box head: position-sensitive score maps and a vote over k x k bins."""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmdet.models.backbones.resnet import BasicBlock
from mmdet.models.roi_heads.bbox_heads import BBoxHead
from mmdet.registry import MODELS
from mmdet.utils import ConfigType, OptMultiConfig
from torch import Tensor, nn


@MODELS.register_module()
class RFCNBBoxHead(BBoxHead):
    """R-FCN head (arXiv 1605.06409) with Face R-FCN's votes (arXiv 1709.05256).

    Two halves, because R-FCN computes its only learned per-pixel layers over
    the whole image *before* RoI pooling:

    - :meth:`forward_score_maps` (once per image): a 1x1 conv to
      ``feat_channels`` with ReLU, an optional extra ResNet ``BasicBlock``, then
      ``k*k*(C+1)`` classification and ``4*k*k`` (class-agnostic) regression
      position-sensitive score maps, concatenated along channels.
    - :meth:`forward` (per RoI): the PS-pooled bins, shape
      ``(n, C+1+4, k, k)``, voted into ``(cls_score, bbox_pred)``.

    Everything else (targets, losses, decoding, NMS) is :class:`BBoxHead`'s.

    Args:
        in_channels (int): Channels of the res5 feature. Defaults to 2048.
        feat_channels (int): Channels after the 1x1 reduction (R-FCN: 1024).
        roi_feat_size (int): Bins per side ``k``. Defaults to 7.
        num_classes (int): Object classes ``C`` (face: 1). Defaults to 1.
        with_extra_block (bool): Add a ResNet BasicBlock before the score maps.
            Defaults to False.
        extra_block_norm_cfg (dict): Norm of that block. Defaults to BN.
        vote (dict): Vote config (``AverageVote``, ``WeightedVote``,
            ``ConvVote``); ``num_groups`` and ``roi_feat_size`` are filled in.
        reg_class_agnostic (bool): Must be True: one regression per RoI.
        init_cfg (dict, optional): Defaults to N(0, 0.01) for the new convs.
        **kwargs: Passed to :class:`BBoxHead` (``bbox_coder``, ``loss_cls``,
            ``loss_bbox``, ...).
    """

    def __init__(self,
                 in_channels: int = 2048,
                 feat_channels: int = 1024,
                 roi_feat_size: int = 7,
                 num_classes: int = 1,
                 with_extra_block: bool = False,
                 extra_block_norm_cfg: ConfigType = dict(type='BN'),
                 vote: ConfigType = dict(type='AverageVote'),
                 reg_class_agnostic: bool = True,
                 init_cfg: OptMultiConfig = None,
                 **kwargs) -> None:
        if not reg_class_agnostic:
            raise ValueError('RFCNBBoxHead regresses class-agnostic boxes '
                             '(4*k*k maps); set reg_class_agnostic=True')
        super().__init__(
            with_avg_pool=False,
            roi_feat_size=roi_feat_size,
            in_channels=in_channels,
            num_classes=num_classes,
            reg_class_agnostic=True,
            init_cfg=init_cfg,
            **kwargs)
        # BBoxHead builds per-RoI fc predictors; R-FCN has none.
        del self.fc_cls, self.fc_reg
        k = self.roi_feat_size[0]
        if self.roi_feat_size[1] != k:
            raise ValueError('RFCNBBoxHead needs a square k x k grid')
        self.k = k
        self.cls_groups = num_classes + 1
        self.reg_groups = self.bbox_coder.encode_size
        self.feat_channels = feat_channels
        self.reduce = nn.Conv2d(in_channels, feat_channels, 1)
        self.extra_block = BasicBlock(
            feat_channels, feat_channels,
            norm_cfg=extra_block_norm_cfg) if with_extra_block else None
        self.conv_cls = nn.Conv2d(feat_channels, self.cls_groups * k * k, 1)
        self.conv_reg = nn.Conv2d(feat_channels, self.reg_groups * k * k, 1)
        self.cls_vote = MODELS.build(
            dict(vote, num_groups=self.cls_groups, roi_feat_size=k))
        self.reg_vote = MODELS.build(
            dict(vote, num_groups=self.reg_groups, roi_feat_size=k))
        if init_cfg is None:
            self.init_cfg = dict(
                type='Normal', std=0.01,
                override=[dict(name='reduce'), dict(name='conv_cls'),
                          dict(name='conv_reg')])

    def forward_score_maps(self, x: Tensor) -> Tensor:
        """Whole-image position-sensitive score maps.

        Args:
            x (Tensor): res5 feature, shape (B, in_channels, H, W).

        Returns:
            Tensor: shape (B, (C + 1 + 4) * k * k, H, W): the classification
            maps first, then the regression maps, each in torchvision's
            ``(group, bin_row, bin_col)`` channel order.
        """
        x = F.relu(self.reduce(x), inplace=True)
        if self.extra_block is not None:
            x = self.extra_block(x)
        return torch.cat([self.conv_cls(x), self.conv_reg(x)], dim=1)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Vote the pooled bins of each RoI.

        Args:
            x (Tensor): PS-pooled bins, shape (n, C + 1 + 4, k, k).

        Returns:
            tuple[Tensor, Tensor]: ``cls_score`` of shape (n, C + 1) and
            ``bbox_pred`` of shape (n, 4).
        """
        cls_bins, reg_bins = x.split([self.cls_groups, self.reg_groups], dim=1)
        return self.cls_vote(cls_bins), self.reg_vote(reg_bins)
