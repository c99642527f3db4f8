"""PSRoIExtractor against the naive loop reference, forward and gradient."""
import pytest
import torch

from mmfacerfcn.models.roi_heads.roi_extractors import PSRoIExtractor
from mmfacerfcn.testing import (
    ps_roi_align_reference,
    ps_roi_edge_case_inputs,
    ps_roi_pool_reference,
)

K, GROUPS, STRIDE = 3, 2, 16


def make_inputs(seed=0, requires_grad=False):
    x, rois = ps_roi_edge_case_inputs(K, GROUPS, seed)
    return x.requires_grad_(requires_grad), rois


def build(backend='torchvision', layer='PSRoIAlign', **layer_kw):
    return PSRoIExtractor(
        roi_layer=dict(type=layer, output_size=K, **layer_kw),
        featmap_strides=[STRIDE], backend=backend)


@pytest.mark.parametrize('backend', ['torchvision', 'mmcv'])
@pytest.mark.parametrize('sampling_ratio', [2, 0])
def test_ps_roi_align_matches_reference(backend, sampling_ratio):
    x, rois = make_inputs()
    ext = build(backend, sampling_ratio=sampling_ratio)
    out = ext((x.float(), ), rois.float())
    ref = ps_roi_align_reference(x, rois, K, 1 / STRIDE, sampling_ratio)
    assert out.shape == (len(rois), GROUPS, K, K)
    torch.testing.assert_close(out.double(), ref, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('backend', ['torchvision', 'mmcv'])
def test_ps_roi_align_gradient_matches_reference(backend):
    x, rois = make_inputs(requires_grad=True)
    weights = torch.randn(len(rois), GROUPS, K, K, dtype=torch.float64)
    ref = ps_roi_align_reference(x, rois, K, 1 / STRIDE, 2)
    (grad_ref, ) = torch.autograd.grad((ref * weights).sum(), x)

    xf = x.detach().float().requires_grad_(True)
    out = build(backend, sampling_ratio=2)((xf, ), rois.float())
    (grad, ) = torch.autograd.grad((out * weights.float()).sum(), xf)
    assert grad.abs().sum() > 0
    torch.testing.assert_close(grad.double(), grad_ref, atol=1e-5, rtol=1e-5)


def test_ps_roi_pool_matches_reference():
    x, rois = make_inputs()
    out = build('torchvision', 'PSRoIPool')((x, ), rois)
    # RoIs whose bins stay off the last row/column: the R-FCN definition.
    inside = [0, 1, 3]
    ref = ps_roi_pool_reference(x, rois[inside], K, 1 / STRIDE)
    torch.testing.assert_close(out[inside], ref)
    # At the border torchvision never reads the last row/column.
    torch.testing.assert_close(
        out, ps_roi_pool_reference(x, rois, K, 1 / STRIDE, skip_last_cell=True))
    assert not torch.allclose(out[2], ps_roi_pool_reference(x, rois[2:3], K,
                                                             1 / STRIDE)[0])


def test_ps_roi_pool_gradient_matches_reference():
    x, rois = make_inputs(requires_grad=True)
    inside = rois[[0, 1, 3]]
    ref = ps_roi_pool_reference(x, inside, K, 1 / STRIDE)
    (grad_ref, ) = torch.autograd.grad(ref.sum(), x)
    out = build('torchvision', 'PSRoIPool')((x, ), inside)
    (grad, ) = torch.autograd.grad(out.sum(), x)
    torch.testing.assert_close(grad, grad_ref)


def test_channel_layout_group_bin_order():
    """Output group g at bin (i, j) reads channel (g * k + i) * k + j."""
    k, groups = 3, 2
    x = torch.arange(groups * k * k, dtype=torch.float32).view(1, -1, 1, 1)
    x = x.expand(1, groups * k * k, 8, 8).contiguous()
    rois = torch.tensor([[0, 0.0, 0.0, 128.0, 128.0]])
    for backend in ('torchvision', 'mmcv'):
        out = build(backend, sampling_ratio=2)((x, ), rois)
        expected = torch.arange(groups * k * k, dtype=torch.float32)
        torch.testing.assert_close(out.reshape(-1), expected)


def test_bad_inputs_raise_clear_errors():
    ext = build()
    with pytest.raises(ValueError, match='G\\*k\\*k'):
        ext((torch.zeros(1, 10, 4, 4), ), torch.zeros(1, 5))
    with pytest.raises(ValueError, match='no PSRoIPool for backend'):
        build('mmcv', 'PSRoIPool')
    with pytest.raises(ValueError, match='one score map'):
        PSRoIExtractor(roi_layer=dict(type='PSRoIAlign', output_size=3),
                       featmap_strides=[8, 16])


def test_empty_rois():
    out = build()((torch.zeros(1, GROUPS * K * K, 4, 4), ), torch.zeros(0, 5))
    assert out.shape == (0, GROUPS, K, K)


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_maps_pool_in_fp32(dtype):
    """Half-precision RoI corners would be off by up to a pixel at WIDER sizes;
    the extractor pools in fp32 and returns the input's precision."""
    x, rois = make_inputs()
    rois = rois.float()
    rois[:, 1:] *= 16  # corners beyond 1024 px, where fp16 steps are 1 px
    x = x.float()
    ext = PSRoIExtractor(roi_layer=dict(type='PSRoIAlign', output_size=K,
                                        sampling_ratio=2),
                         featmap_strides=[STRIDE * 16])
    out = ext((x.to(dtype), ), rois)
    assert out.dtype == dtype
    ref = ext((x.to(dtype).float(), ), rois)
    torch.testing.assert_close(out.float(), ref, atol=1e-2, rtol=1e-2)
