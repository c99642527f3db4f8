"""PSRoIExtractor on CUDA: each backend against its own CPU result and against
the naive float64 loop reference, forward and gradient, plus one fp16/AMP check.

Skipped where no CUDA device is present (CI has none); run it on a GPU machine:

    python -m pytest tests/test_models/test_roi_heads/test_roi_extractors/\
        test_ps_roi_extractor_cuda.py

Inputs and conventions follow ``test_ps_roi_extractor.py`` (the CPU tests):
torchvision's ``ps_roi_pool`` never reads the last row/column of the map, so
the pool reference runs with ``skip_last_cell=True`` where RoIs reach it.
"""
import pytest
import torch

from mmfacerfcn.models.roi_heads.roi_extractors import PSRoIExtractor
from mmfacerfcn.testing import (
    ps_roi_align_reference,
    ps_roi_edge_case_inputs,
    ps_roi_pool_reference,
)

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason='CUDA PS RoI tests need a CUDA device (torch.cuda.is_available() '
    'is False)')

K, GROUPS, STRIDE = 3, 2, 16
ATOL = RTOL = 1e-5
ALIGN_BACKENDS = ['torchvision', 'mmcv']


def make_inputs(seed=0):
    """Float64 CPU inputs of the CPU test (see ps_roi_edge_case_inputs)."""
    return ps_roi_edge_case_inputs(K, GROUPS, seed)


def random_inputs(n_rois, k=7, groups=6, height=40, width=50, seed=1):
    """Larger float32 CPU inputs: many random RoIs, some crossing the map edge."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, groups * k * k, height, width, generator=g)
    img = torch.tensor([width * STRIDE, height * STRIDE], dtype=torch.float32)
    wh = torch.rand(n_rois, 2, generator=g) * 300 + 4
    xy = torch.rand(n_rois, 2, generator=g) * (img + 64) - 32 - wh / 2
    batch = torch.randint(0, 2, (n_rois, 1), generator=g).float()
    return x, torch.cat([batch, xy, xy + wh], dim=1)


def build(backend='torchvision', layer='PSRoIAlign', k=K, **layer_kw):
    return PSRoIExtractor(
        roi_layer=dict(type=layer, output_size=k, **layer_kw),
        featmap_strides=[STRIDE], backend=backend)


def forward_and_grad(ext, x, rois, weights, device):
    """Output and d(sum(out * weights))/dx of ``ext`` on ``device``, on CPU."""
    xd = x.detach().to(device).requires_grad_(True)
    out = ext.to(device)((xd, ), rois.to(device))
    (grad, ) = torch.autograd.grad((out * weights.to(device)).sum(), xd)
    return out.detach().cpu(), grad.cpu()


def reference_grad(fn, x, rois, weights):
    x64 = x.detach().double().requires_grad_(True)
    ref = fn(x64, rois.double())
    (grad, ) = torch.autograd.grad((ref * weights.double()).sum(), x64)
    return ref.detach(), grad


@pytest.mark.parametrize('backend', ALIGN_BACKENDS)
@pytest.mark.parametrize('sampling_ratio', [2, 0])
def test_ps_roi_align_cuda_matches_cpu_and_reference(backend, sampling_ratio):
    x, rois = make_inputs()
    x, rois = x.float(), rois.float()
    ext = build(backend, sampling_ratio=sampling_ratio)
    out_cpu = ext((x, ), rois)
    out_cuda = ext.cuda()((x.cuda(), ), rois.cuda())
    assert out_cuda.is_cuda and out_cuda.dtype == torch.float32
    assert out_cuda.shape == (len(rois), GROUPS, K, K)
    torch.testing.assert_close(out_cuda.cpu(), out_cpu, atol=ATOL, rtol=RTOL)
    ref = ps_roi_align_reference(x.double(), rois.double(), K, 1 / STRIDE,
                                 sampling_ratio)
    torch.testing.assert_close(out_cuda.cpu().double(), ref, atol=ATOL,
                               rtol=RTOL)


@pytest.mark.parametrize('backend', ALIGN_BACKENDS)
def test_ps_roi_align_cuda_gradient_matches_cpu_and_reference(backend):
    x, rois = make_inputs()
    x, rois = x.float(), rois.float()
    weights = torch.randn(len(rois), GROUPS, K, K,
                          generator=torch.Generator().manual_seed(3))
    ext = build(backend, sampling_ratio=2)
    out_cpu, grad_cpu = forward_and_grad(ext, x, rois, weights, 'cpu')
    out_cuda, grad_cuda = forward_and_grad(ext, x, rois, weights, 'cuda')
    assert grad_cuda.abs().sum() > 0
    torch.testing.assert_close(out_cuda, out_cpu, atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(grad_cuda, grad_cpu, atol=ATOL, rtol=RTOL)
    _, grad_ref = reference_grad(
        lambda a, r: ps_roi_align_reference(a, r, K, 1 / STRIDE, 2), x, rois,
        weights)
    torch.testing.assert_close(grad_cuda.double(), grad_ref, atol=ATOL,
                               rtol=RTOL)


def test_ps_roi_pool_cuda_matches_cpu_and_reference():
    x, rois = make_inputs()
    x, rois = x.float(), rois.float()
    ext = build('torchvision', 'PSRoIPool')
    out_cpu = ext((x, ), rois)
    out_cuda = ext.cuda()((x.cuda(), ), rois.cuda()).cpu()
    torch.testing.assert_close(out_cuda, out_cpu, atol=ATOL, rtol=RTOL)
    x64, rois64 = x.double(), rois.double()
    # RoIs whose bins stay off the last row/column: R-FCN's definition.
    inside = [0, 1, 3]
    torch.testing.assert_close(
        out_cuda[inside].double(),
        ps_roi_pool_reference(x64, rois64[inside], K, 1 / STRIDE),
        atol=ATOL, rtol=RTOL)
    # All RoIs: the CUDA kernel skips the last row/column as the CPU one does.
    torch.testing.assert_close(
        out_cuda.double(),
        ps_roi_pool_reference(x64, rois64, K, 1 / STRIDE, skip_last_cell=True),
        atol=ATOL, rtol=RTOL)


def test_ps_roi_pool_cuda_gradient_matches_cpu_and_reference():
    x, rois = make_inputs()
    x, rois = x.float(), rois.float()
    weights = torch.randn(len(rois), GROUPS, K, K,
                          generator=torch.Generator().manual_seed(4))
    ext = build('torchvision', 'PSRoIPool')
    _, grad_cpu = forward_and_grad(ext, x, rois, weights, 'cpu')
    _, grad_cuda = forward_and_grad(ext, x, rois, weights, 'cuda')
    assert grad_cuda.abs().sum() > 0
    torch.testing.assert_close(grad_cuda, grad_cpu, atol=ATOL, rtol=RTOL)
    # torchvision's backward (CPU and CUDA alike) spreads each bin's gradient
    # with R-FCN's bin ends (clipped at H / W), not with the forward's (clipped
    # at H - 1 / W - 1): it is the gradient of R-FCN's definition, hence not
    # exactly the gradient of its own forward for RoIs reaching the last row
    # or column of the map (RoI 2 here).
    _, grad_ref = reference_grad(
        lambda a, r: ps_roi_pool_reference(a, r, K, 1 / STRIDE), x, rois,
        weights)
    torch.testing.assert_close(grad_cuda.double(), grad_ref, atol=ATOL,
                               rtol=RTOL)
    _, grad_of_forward = reference_grad(
        lambda a, r: ps_roi_pool_reference(
            a, r, K, 1 / STRIDE, skip_last_cell=True), x, rois, weights)
    assert not torch.allclose(grad_cuda.double(), grad_of_forward)


@pytest.mark.parametrize('backend,layer', [('torchvision', 'PSRoIAlign'),
                                           ('mmcv', 'PSRoIAlign'),
                                           ('torchvision', 'PSRoIPool')])
def test_many_rois_cuda_matches_cpu(backend, layer):
    """R-FCN's k=7, 6 groups, 300 random RoIs: forward and gradient (atomic
    accumulation of overlapping RoIs on CUDA) agree with the CPU kernels."""
    x, rois = random_inputs(300)
    kw = dict(sampling_ratio=2) if layer == 'PSRoIAlign' else {}
    ext = build(backend, layer, k=7, **kw)
    weights = torch.randn(len(rois), 6, 7, 7,
                          generator=torch.Generator().manual_seed(5))
    out_cpu, grad_cpu = forward_and_grad(ext, x, rois, weights, 'cpu')
    out_cuda, grad_cuda = forward_and_grad(ext, x, rois, weights, 'cuda')
    torch.testing.assert_close(out_cuda, out_cpu, atol=1e-5, rtol=1e-5)
    # Gradient cells sum contributions of many RoIs in a different order.
    torch.testing.assert_close(grad_cuda, grad_cpu, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('mode', ['autocast', 'half'])
def test_ps_roi_align_cuda_fp16_close_to_fp32(mode):
    """fp16 score map, fp32 RoIs (the extractor casts them to the map's dtype).

    ``autocast``: as in the model under AMP, a conv makes the fp16 map inside
    ``torch.autocast`` (torchvision's autocast wrapper then runs the kernel in
    fp32 and casts back). ``half``: the map is ``.half()`` outside autocast, so
    the half CUDA kernel itself runs.
    """
    torch.manual_seed(0)
    k, groups = 7, 6
    x, rois = random_inputs(200, k=k, groups=groups)
    x, rois = x.cuda(), rois.cuda()
    conv = torch.nn.Conv2d(groups * k * k, groups * k * k, 1).cuda()
    ext = build('torchvision', k=k, sampling_ratio=2).cuda()
    with torch.no_grad():
        ref = ext((conv(x), ), rois)
        if mode == 'autocast':
            with torch.autocast('cuda', dtype=torch.float16):
                feat = conv(x)
                assert feat.dtype == torch.float16
                out = ext((feat, ), rois)
        else:
            out = ext((conv(x).half(), ), rois)
    assert out.dtype == torch.float16 and out.shape == ref.shape
    assert torch.isfinite(out).all()
    # Map values (~1e-3 relative) and RoI corners (0.5 px spacing above
    # 512 px) are rounded to fp16, and in 'half' mode the sample positions
    # derived from them too. Off-map samples near the "one pixel
    # out" boundary can then flip between zero and a full value (CPU's half
    # kernel does the same), so the max is checked on RoIs inside the image.
    err = (out.float() - ref).abs().amax(dim=(1, 2, 3))
    scale = ref.abs().max()
    img_w, img_h = x.size(3) * STRIDE, x.size(2) * STRIDE
    inside = ((rois[:, 1] >= 0) & (rois[:, 2] >= 0) & (rois[:, 3] <= img_w) &
              (rois[:, 4] <= img_h))
    assert inside.sum() > 50
    assert err[inside].max() <= 6e-2 * scale, (err[inside].max().item(),
                                               scale.item())
    mean_err = (out.float() - ref).abs().mean()
    assert mean_err <= 4e-3 * scale, (mean_err.item(), scale.item())
