"""CropVerifier: its crops against torchvision's RoIAlign, its score blend
against the formula, and grey_pixels on hand-computed colours."""
import math
import warnings

import pytest
import torch
from torchvision.ops import roi_align

from mmfacerfcn.models.verifiers import CropVerifier, grey_pixels


def square(box):
    """The square of a box's longer side about its centre (by hand)."""
    x1, y1, x2, y2 = box
    half = max(x2 - x1, y2 - y1) / 2
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return [cx - half, cy - half, cx + half, cy + half]


@pytest.mark.parametrize('reads', [1, 3])
@pytest.mark.parametrize('dtype,tol', [(torch.float64, 1e-10),
                                       (torch.float32, 1e-3)])
def test_squares_match_roi_align_inside_the_picture(dtype, tol, reads):
    torch.manual_seed(0)
    images = torch.rand(2, 1, 60, 80, dtype=dtype) * 255
    # Boxes whose squares stay inside their picture; image 1's check that
    # the stacked pictures do not mix.
    boxes = [(0, [10., 12., 30., 40.]), (1, [5.3, 12.1, 50.2, 35.9]),
             (1, [40., 20., 48., 28.]), (0, [60.5, 30.25, 75.5, 55.])]
    rois = torch.tensor([[i, *b] for i, b in boxes], dtype=dtype)
    verifier = CropVerifier(crop_size=16, channels=(8, 8),
                            samples_per_cell=reads)
    got = verifier.squares(images, rois)
    squares = torch.tensor([[i, *square(b)] for i, b in boxes], dtype=dtype)
    want = roi_align(images, squares, output_size=16, spatial_scale=1.,
                     sampling_ratio=reads, aligned=True)
    assert got.shape == (4, 1, 16, 16)
    assert torch.allclose(got, want, atol=tol * 255, rtol=0)


def test_squares_read_the_nearest_pixel_outside_the_picture():
    # Pixel values rise with the row and the column, distinct per picture.
    rows = torch.arange(20.)[:, None]
    cols = torch.arange(30.)[None]
    images = torch.stack([rows * 30 + cols, 1000 + rows * 30 + cols])[:, None]
    verifier = CropVerifier(crop_size=8, channels=(8, ))
    # Left of picture 0, wholly: every sample is in column 0.
    roi = torch.tensor([[0., -20., 4., -4., 12.]])
    left = verifier.squares(images, roi)
    first_column = images[..., :1].expand_as(images).contiguous()
    assert torch.allclose(left, verifier.squares(first_column, roi))
    # Below picture 0: its last row, not picture 1's first.
    below = verifier.squares(images,
                             torch.tensor([[0., 10., 16., 18., 30.]]))
    assert torch.all((below[0, 0, -1] >= 19 * 30) & (below[0, 0, -1] < 600))
    # Above picture 1: its first row, not picture 0's last.
    above = verifier.squares(images, torch.tensor([[1., 10., -10., 18., 2.]]))
    assert above.min() >= 1000


def test_crops_are_standardised_and_flat_crops_stay_finite():
    torch.manual_seed(0)
    images = torch.rand(1, 1, 40, 40) * 100 + 50
    images[..., 20:, 20:] = 7.  # flat corner
    verifier = CropVerifier()
    crops = verifier.crops(images, torch.tensor([[0., 2., 3., 18., 17.],
                                                 [0., 24., 24., 36., 36.]]))
    assert crops.shape == (2, 1, 32, 32)
    assert abs(float(crops[0].mean())) < 1e-5
    assert abs(float(crops[0].std()) - 1) < 1e-4
    assert torch.equal(crops[1], torch.zeros_like(crops[1]))
    # Brightness and contrast drop out.
    again = verifier.crops(images * 3 + 20,
                           torch.tensor([[0., 2., 3., 18., 17.]]))
    assert torch.allclose(again[0], crops[0], atol=1e-4)
    # Tensor.std's own standardisation, to float precision.
    square = verifier.squares(images, torch.tensor([[0., 2., 3., 18., 17.]]))
    want = (square - square.mean()) / (square.std() + 1e-6)
    assert torch.allclose(crops[0], want[0], atol=1e-5)


def test_no_crops_give_an_empty_batch_without_warnings():
    verifier = CropVerifier()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        crops = verifier.crops(torch.rand(1, 1, 40, 40),
                               torch.zeros(0, 5))
        logits = verifier.eval()(crops)
    assert crops.shape == (0, 1, 32, 32) and logits.shape == (0, )


def test_forward_gives_one_logit_per_crop_and_learns():
    torch.manual_seed(0)
    verifier = CropVerifier(crop_size=16, channels=(4, 8), dropout=0.)
    crops = torch.randn(6, 1, 16, 16)
    labels = torch.tensor([1., 0., 1., 0., 1., 0.])
    crops[labels > 0, :, 4:12, 4:12] += 3  # a bright centre: a 'face'
    assert verifier(crops).shape == (6, )
    optim = torch.optim.Adam(verifier.parameters(), lr=1e-2)
    first = None
    for _ in range(30):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            verifier(crops), labels)
        first = first if first is not None else float(loss)
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert float(loss) < first / 4
    # Gradient reaches the crop (the detector's boxes could be refined).
    x = crops.clone().requires_grad_(True)
    verifier(x).sum().backward()
    assert x.grad.abs().sum() > 0


def test_an_ensemble_averages_members_started_apart():
    torch.manual_seed(0)
    single = CropVerifier(crop_size=16, channels=(4, 8))
    # A single CNN keeps the weights' names of checkpoints before ensembles.
    assert {'features.0.weight', 'classifier.2.weight'} <= set(
        single.state_dict())
    ensemble = CropVerifier(crop_size=16, channels=(4, 8), num_members=3)
    assert not any(k.startswith(('features', 'classifier'))
                   for k in ensemble.state_dict())
    first, second = (ensemble.members[i][0][0].weight for i in (0, 1))
    assert not torch.equal(first, second)  # each its own initialisation
    ensemble.eval()
    crops = torch.randn(5, 1, 16, 16)
    members = ensemble.member_logits(crops)
    assert members.shape == (3, 5)
    # Each member is a CNN of its own: the same as running it alone.
    for i, net in enumerate(ensemble.members):
        assert torch.allclose(members[i], net(crops)[:, 0])
    ensemble.flip_test = False
    assert torch.allclose(ensemble(crops), members.mean(0))
    assert single.member_logits(crops).shape == (1, 5)


@pytest.mark.parametrize('num_members', [1, 2])
def test_flip_test_averages_each_crop_with_its_mirror(num_members):
    torch.manual_seed(0)
    verifier = CropVerifier(crop_size=16, channels=(4, 8),
                            num_members=num_members).eval()
    assert verifier.flip_test  # the default
    crops = torch.randn(5, 1, 16, 16)
    mirrored = crops.flip(3)
    # By hand: each member, each view, one crop at a time.
    want = torch.tensor([
        sum(float(net[1](net[0](view[i:i + 1]))[0, 0])
            for net in verifier._nets() for view in (crops, mirrored)) /
        (2 * num_members) for i in range(5)])
    got = verifier(crops)
    assert torch.allclose(got, want, atol=1e-5)
    # Mirroring the input changes nothing; without flip_test it does.
    assert torch.allclose(verifier(mirrored), got, atol=1e-5)
    verifier.flip_test = False
    assert not torch.allclose(verifier(mirrored), verifier(crops), atol=1e-3)
    assert torch.allclose(verifier(crops),
                          verifier.member_logits(crops).mean(0))


def each_members_logits(verifier, crops):
    """(M, n): each member's logit of each crop, the mean of the crop's and
    its mirror image's (flip_test), every member on every crop."""
    return (verifier.member_logits(crops) +
            verifier.member_logits(crops.flip(3))) / 2


def test_cascade_keeps_the_first_members_logit_below_its_threshold():
    torch.manual_seed(0)
    verifier = CropVerifier(crop_size=16, channels=(4, 8),
                            num_members=3).eval()
    crops = torch.randn(40, 1, 16, 16, requires_grad=True)
    logits = each_members_logits(verifier, crops)
    thr = float(logits[0].median())
    passed = logits[0] > thr
    assert 10 < int(passed.sum()) < 30
    want = torch.where(passed, logits.mean(0), logits[0])
    verifier.cascade_thr = thr
    got = verifier(crops)
    torch.testing.assert_close(got, want)
    # Gradients as the formula's: the other members only where it passed.
    weights = torch.randn(40)
    (grad_got, ) = torch.autograd.grad((got * weights).sum(), crops)
    (grad_want, ) = torch.autograd.grad((want * weights).sum(), crops)
    torch.testing.assert_close(grad_got, grad_want)
    # Thresholds that pass every crop and none: the ensemble, the first.
    verifier.cascade_thr = float(logits[0].min()) - 1
    torch.testing.assert_close(verifier(crops), logits.mean(0))
    verifier.cascade_thr = float(logits[0].max()) + 1
    torch.testing.assert_close(verifier(crops), logits[0])
    verifier.cascade_thr = None
    torch.testing.assert_close(verifier(crops), logits.mean(0))


def test_cascade_runs_the_other_members_on_the_passed_crops_only():
    torch.manual_seed(0)
    verifier = CropVerifier(crop_size=16, channels=(4, 8),
                            num_members=3).eval()
    seen = {i: [] for i in range(3)}
    for i, net in enumerate(verifier.members):  # (features, classifier)
        net[0].register_forward_hook(
            lambda module, args, out, i=i: seen[i].append(len(args[0])))
    crops = torch.randn(50, 1, 16, 16)
    with torch.no_grad():
        first = (verifier.members[0](crops) +
                 verifier.members[0](crops.flip(3)))[:, 0] / 2
        seen[0].clear()
        verifier.cascade_thr = float(first.median())
        verifier(crops)
    passed = int((first > verifier.cascade_thr).sum())
    assert 0 < passed < 50
    assert seen == {0: [50, 50], 1: [passed, passed], 2: [passed, passed]}


def test_rescore_is_the_geometric_blend():
    verifier = CropVerifier(weight=0.75)
    scores = torch.tensor([0.16, 0.9, 1.0])
    logits = torch.tensor([0., 2., -30.])
    want = [0.16**0.25 * 0.5**0.75,
            0.9**0.25 * (1 / (1 + math.exp(-2)))**0.75,
            (1 / (1 + math.exp(30)))**0.75]
    assert torch.allclose(verifier.rescore(scores, logits),
                          torch.tensor(want), rtol=1e-5, atol=0)
    # weight 0: the detector's score; weight 1: the verifier's probability.
    assert torch.allclose(CropVerifier(weight=0.).rescore(scores, logits),
                          scores)
    assert torch.allclose(CropVerifier(weight=1.).rescore(scores, logits),
                          logits.sigmoid())


def test_fitted_is_saved_with_the_weights():
    verifier = CropVerifier()
    assert not verifier.fitted
    verifier.fitted.fill_(True)
    other = CropVerifier()
    other.load_state_dict(verifier.state_dict())
    assert other.fitted


@pytest.mark.parametrize('kwargs,message', [
    (dict(weight=1.5), 'weight'),
    (dict(crop_size=30), 'divisible'),
    (dict(num_members=0), 'num_members'),
    (dict(samples_per_cell=0), 'samples_per_cell'),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CropVerifier(**kwargs)


@pytest.mark.parametrize('rgb', [True, False])
def test_grey_pixels_undo_the_normalisation(rgb):
    # Two pixels: pure red and a grey of 100, as (R, G, B).
    colours = torch.tensor([[255., 0., 0.], [100., 100., 100.]])
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    pixels = colours.T.reshape(1, 3, 1, 2)
    if not rgb:
        pixels = pixels.flip(1)
        mean, std = mean.flip(0), std.flip(0)
    grey = grey_pixels((pixels - mean) / std, mean, std, rgb=rgb)
    assert grey.shape == (1, 1, 1, 2)
    assert torch.allclose(grey.flatten(), torch.tensor([0.299 * 255, 100.]),
                          atol=1e-3)


def test_convolution_weights_stay_channels_last_with_the_same_logits():
    """Channels-last weights (the fast layout on CPU), kept when contiguous
    weights are loaded; the logits are those of the same weights laid out
    contiguously, up to float rounding."""
    torch.manual_seed(0)
    verifier = CropVerifier(num_members=2).eval()
    loaded = CropVerifier(num_members=2).eval()
    loaded.load_state_dict({k: v.contiguous()
                            for k, v in verifier.state_dict().items()})
    for model in (verifier, loaded):
        convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
        assert len(convs) == 6
        assert all(c.weight.is_contiguous(memory_format=torch.channels_last)
                   for c in convs)
        assert not all(c.weight.is_contiguous() for c in convs)
    crops = torch.randn(50, 1, 32, 32)
    contiguous = CropVerifier(num_members=2).eval()
    contiguous.load_state_dict(verifier.state_dict())
    contiguous.to(memory_format=torch.contiguous_format)
    with torch.no_grad():
        torch.testing.assert_close(loaded(crops), contiguous(crops),
                                   atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(verifier(crops), loaded(crops))


def test_final_scores_are_the_same_until_calibrated_then_platt_mapped():
    verifier = CropVerifier()
    scores = torch.tensor([0.9, 0.6, 0.3, 0.05])
    assert torch.allclose(verifier.calibrate_detections(scores), scores,
                          atol=1e-6)
    verifier.detection_calibration.slope.fill_(2.)
    verifier.detection_calibration.bias.fill_(-1.)
    got = verifier.calibrate_detections(scores)
    logits = torch.log(scores / (1 - scores))
    assert torch.allclose(got, torch.sigmoid(2 * logits - 1))
    assert torch.all(got[:-1] > got[1:])  # the order stays
