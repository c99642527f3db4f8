"""Votes: hand-computed values and gradients."""
import torch

from mmfacerfcn.models.roi_heads.bbox_heads import AverageVote, ConvVote, WeightedVote


def test_average_vote_is_mean_over_bins():
    bins = torch.arange(2 * 3 * 9, dtype=torch.float32).view(2, 3, 3, 3)
    out = AverageVote(3, 3)(bins)
    # Group 0 of RoI 0 holds 0..8: mean 4; every group adds 9.
    torch.testing.assert_close(out[0], torch.tensor([4.0, 13.0, 22.0]))
    assert out.shape == (2, 3)


def test_weighted_vote_hand_computed():
    vote = WeightedVote(num_groups=1, roi_feat_size=2)
    bins = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    # Starts as the plain average.
    torch.testing.assert_close(vote(bins), torch.tensor([[2.5]]))
    with torch.no_grad():
        vote.weight.copy_(torch.tensor([[[0.0, 2.0], [1.0, -1.0]]]))
    # (1*0 + 2*2 + 3*1 + 4*-1) / 4 = 0.75
    torch.testing.assert_close(vote(bins), torch.tensor([[0.75]]))


def test_weighted_vote_gradient_is_bin_over_count():
    vote = WeightedVote(num_groups=2, roi_feat_size=3)
    bins = torch.randn(4, 2, 3, 3)
    vote(bins).sum().backward()
    torch.testing.assert_close(vote.weight.grad, bins.sum(0) / 9)


def test_conv_vote_starts_as_average_and_learns():
    bins = torch.randn(5, 2, 3, 3)
    vote = ConvVote(num_groups=2, roi_feat_size=3)
    torch.testing.assert_close(vote(bins), bins.mean(dim=(2, 3)))
    vote(bins).sum().backward()
    assert vote.conv.weight.grad.abs().sum() > 0
    # A kernel summing a 3x3 neighbourhood, hand-checked on a one-hot grid:
    # the centre bin is seen by all 9 output bins, a corner by 4.
    with torch.no_grad():
        vote.conv.weight.zero_()
        vote.conv.weight[0, 0] = 1.0
    centre = torch.zeros(1, 2, 3, 3)
    centre[0, 0, 1, 1] = 9.0
    corner = torch.zeros(1, 2, 3, 3)
    corner[0, 0, 0, 0] = 9.0
    assert vote(centre)[0, 0].item() == 9.0
    assert vote(corner)[0, 0].item() == 4.0
