"""The tensor-only pieces of ONNXFaceRFCN against the library code they
stand in for: mmdet's delta decoding, mmcv's batched NMS, and a loop for
the per-image cap."""
import pytest
import torch
from mmcv.ops import batched_nms
from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoder

from mmfacerfcn.deployment.onnx_model import (
    cap_per_image,
    decode_deltas,
    grouped_nms,
)


def random_boxes(n, size, gen):
    xy = torch.rand(n, 2, generator=gen) * size
    wh = torch.rand(n, 2, generator=gen) * size / 3 + 1
    return torch.cat([xy, xy + wh], dim=1)


@pytest.mark.parametrize('coder_cfg', [
    dict(target_means=(0., 0., 0., 0.), target_stds=(0.1, 0.1, 0.2, 0.2)),
    dict(target_means=(.1, -.1, .05, 0.), target_stds=(1., 1., 1., 1.),
         clip_border=False),
    dict(add_ctr_clamp=True, ctr_clamp=8),
])
def test_decode_deltas_as_mmdet(coder_cfg):
    gen = torch.Generator().manual_seed(0)
    coder = DeltaXYWHBBoxCoder(**coder_cfg)
    priors = random_boxes(500, 300., gen)
    # large deltas too: the exp of the size deltas is clamped (max_ratio)
    deltas = torch.randn(500, 4, generator=gen) * 3
    expected = coder.decode(priors, deltas, max_shape=(240, 300))
    actual = decode_deltas(coder, priors, deltas, torch.tensor([240, 300]))
    torch.testing.assert_close(actual, expected, rtol=1e-6, atol=1e-4)
    if coder.clip_border:
        assert actual[:, 0::2].max() == 300 and actual[:, 1::2].max() == 240


def test_decode_deltas_clips_each_box_to_its_own_image():
    coder = DeltaXYWHBBoxCoder()
    gen = torch.Generator().manual_seed(1)
    priors = random_boxes(40, 400., gen)
    deltas = torch.randn(40, 4, generator=gen)
    shapes = torch.tensor([[200, 100], [400, 300]])[torch.arange(40) % 2]
    actual = decode_deltas(coder, priors, deltas, shapes)
    for i in range(40):
        expected = coder.decode(priors[i:i + 1], deltas[i:i + 1],
                                max_shape=tuple(shapes[i].tolist()))
        torch.testing.assert_close(actual[i:i + 1], expected)


@pytest.mark.parametrize('iou', [0.3, 0.7])
def test_grouped_nms_as_mmcv(iou):
    gen = torch.Generator().manual_seed(2)
    boxes = random_boxes(600, 200., gen)
    scores = torch.rand(600, generator=gen)  # distinct: no tie to break
    groups = torch.randint(0, 5, (600, ), generator=gen)
    _, expected = batched_nms(boxes, scores, groups,
                              dict(type='nms', iou_threshold=iou))
    actual = grouped_nms(boxes, scores, groups, iou)
    assert 50 < len(expected) < 600
    assert torch.equal(actual, expected)
    # NMS within groups only: boxes of different groups never suppress
    for g in range(5):
        inside = (groups == g).nonzero()[:, 0]
        _, alone = batched_nms(boxes[inside], scores[inside],
                               torch.zeros_like(inside),
                               dict(type='nms', iou_threshold=iou))
        assert set(inside[alone].tolist()) == set(
            actual[groups[actual] == g].tolist())


def test_grouped_nms_of_nothing():
    keep = grouped_nms(torch.zeros(0, 4), torch.zeros(0),
                       torch.zeros(0, dtype=torch.long), 0.5)
    assert keep.shape == (0, )


@pytest.mark.parametrize('max_per_img', [0, 1, 3, 100])
def test_cap_per_image_as_a_loop(max_per_img):
    gen = torch.Generator().manual_seed(3)
    batch_idx = torch.randint(0, 4, (50, ), generator=gen)
    keep = torch.randperm(50, generator=gen)[:30]
    expected, seen = [], [0] * 4
    for k in keep.tolist():
        image = int(batch_idx[k])
        if max_per_img <= 0 or seen[image] < max_per_img:
            expected.append(k)
        seen[image] += 1
    actual = cap_per_image(keep, batch_idx, 4, max_per_img)
    assert actual.tolist() == expected
