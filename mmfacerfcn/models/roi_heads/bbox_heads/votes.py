"""Votes: how the k x k position-sensitive bins of a RoI become one score.

- ``AverageVote``: the plain mean over bins (R-FCN, arXiv 1605.06409).
- ``WeightedVote``: Face R-FCN's position-sensitive average pooling
  (arXiv 1709.05256): every bin gets a learned weight before averaging, so
  bins on discriminative face parts can count more than bins on background.
- ``ConvVote``: a 3x3 convolution over the k x k bin grid, then the mean.

The learned votes start out equal to ``AverageVote`` (weights of one; a Dirac
kernel), so each ablation begins at R-FCN's vote and learns away from it
instead of starting from a random or zero vote.
"""
import torch
from mmdet.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class AverageVote(nn.Module):
    """Mean over the k x k bins.

    Args:
        num_groups (int): Channels per RoI ``G`` (classes + 1, or 4).
        roi_feat_size (int): Bins per side ``k``.
    """

    def __init__(self, num_groups: int, roi_feat_size: int) -> None:
        super().__init__()
        self.num_groups = num_groups
        self.roi_feat_size = roi_feat_size

    def forward(self, bins: Tensor) -> Tensor:
        """Vote.

        Args:
            bins (Tensor): shape (n, G, k, k).

        Returns:
            Tensor: shape (n, G).
        """
        return bins.mean(dim=(2, 3))


@MODELS.register_module()
class WeightedVote(AverageVote):
    """Position-sensitive average pooling: a learned weight per group and bin.

    ``score[n, g] = mean_{i,j} w[g, i, j] * bins[n, g, i, j]``; ``w`` starts
    at one.

    Args:
        num_groups (int): Channels per RoI ``G``.
        roi_feat_size (int): Bins per side ``k``.
    """

    def __init__(self, num_groups: int, roi_feat_size: int) -> None:
        super().__init__(num_groups, roi_feat_size)
        self.weight = nn.Parameter(
            torch.ones(num_groups, roi_feat_size, roi_feat_size))

    def forward(self, bins: Tensor) -> Tensor:
        """Vote.

        Args:
            bins (Tensor): shape (n, G, k, k).

        Returns:
            Tensor: shape (n, G).
        """
        return (bins * self.weight).mean(dim=(2, 3))


@MODELS.register_module()
class ConvVote(AverageVote):
    """A ``kernel_size`` convolution over the bin grid (zero padded), then mean.

    Args:
        num_groups (int): Channels per RoI ``G``.
        roi_feat_size (int): Bins per side ``k``.
        kernel_size (int): Odd kernel size. Defaults to 3.
    """

    def __init__(self, num_groups: int, roi_feat_size: int,
                 kernel_size: int = 3) -> None:
        super().__init__(num_groups, roi_feat_size)
        self.conv = nn.Conv2d(num_groups, num_groups, kernel_size,
                              padding=kernel_size // 2)
        nn.init.dirac_(self.conv.weight)
        nn.init.zeros_(self.conv.bias)

    def forward(self, bins: Tensor) -> Tensor:
        """Vote.

        Args:
            bins (Tensor): shape (n, G, k, k).

        Returns:
            Tensor: shape (n, G).
        """
        return self.conv(bins).mean(dim=(2, 3))
