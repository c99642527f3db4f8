"""GridSamplePSRoIAlign (PSRoIExtractor's 'onnx' backend) against the naive
loop reference and torchvision, forward and gradient, and exported to ONNX.

Conventions are torchvision's ``ps_roi_align``, as written out in
:func:`mmfacerfcn.testing.ps_roi_align_reference`: half-pixel offset, samples
more than one pixel outside the map read zero, those within that pixel read
the border row/column.
"""
import pytest
import torch
from mmdet.registry import MODELS
from torchvision.ops import ps_roi_align

from mmfacerfcn.models.roi_heads.roi_extractors import (
    GridSamplePSRoIAlign,
    PSRoIExtractor,
)
from mmfacerfcn.testing import ps_roi_align_reference, ps_roi_edge_case_inputs

STRIDE, RATIO = 16, 2

# Where an RoI lies along one axis of a map of length L, in map units after
# the half-pixel shift (where the samples land): ranges of its start and end.
SIDES = {
    'inside': lambda L: ((0.5, L / 3), (2 * L / 3, L - 1.5)),
    'crosses_start': lambda L: ((-3.0, -0.2), (1.0, L / 2)),
    'crosses_end': lambda L: ((L / 2, L - 2.0), (L - 0.8, L + 3.0)),
    # All samples within one pixel outside: they read the border line.
    'border_band_start': lambda L: ((-0.95, -0.6), (-0.4, -0.05)),
    'border_band_end': lambda L: ((L - 0.95, L - 0.6), (L - 0.4, L - 0.05)),
    # All samples more than one pixel outside: zero.
    'outside_start': lambda L: ((-8.0, -5.0), (-3.0, -1.2)),
    'outside_end': lambda L: ((L + 1.2, L + 3.0), (L + 4.0, L + 8.0)),
    'larger_than_map': lambda L: ((-6.0, -2.0), (L + 2.0, L + 6.0)),
    # Degenerate: end = start + a size in this range.
    'tiny': lambda L: ((1.0, L - 2.0), (0.0, 0.05)),
    'zero_size': lambda L: ((1.0, L - 2.0), (0.0, 0.0)),
}
DEGENERATE = ('tiny', 'zero_size')


def border_rois(height: int, width: int, batch: int = 2,
                seed: int = 0) -> torch.Tensor:
    """RoIs covering every case of :data:`SIDES`, on every image.

    Each case on x with y inside, on y with x inside, and on both axes at
    once (corners, fully outside, larger than the map, degenerate), with
    random ends in each case's ranges; the whole set once per image.

    Returns:
        Tensor: float64, shape (batch * 28, 5), ``(batch_idx, x1, y1, x2,
        y2)`` in image pixels (stride :data:`STRIDE`).
    """
    gen = torch.Generator().manual_seed(seed)

    def uniform(lo: float, hi: float) -> float:
        return lo + (hi - lo) * torch.rand(
            (), generator=gen, dtype=torch.float64).item()

    def side(kind: str, length: int) -> tuple:
        (s_lo, s_hi), (e_lo, e_hi) = SIDES[kind](length)
        start = uniform(s_lo, s_hi)
        end = uniform(e_lo, e_hi)
        return start, start + end if kind in DEGENERATE else end

    pairs = [(kind, 'inside') for kind in SIDES] + [
        ('inside', kind) for kind in SIDES if kind != 'inside'
    ] + [(kind, kind) for kind in SIDES if kind != 'inside']
    rois = []
    for b in range(batch):
        for x_kind, y_kind in pairs:
            x1, x2 = side(x_kind, width)
            y1, y2 = side(y_kind, height)
            rois.append([b] + [(c + 0.5) * STRIDE for c in (x1, y1, x2, y2)])
    return torch.tensor(rois, dtype=torch.float64)


def random_inputs(n_rois: int, batch: int = 2, k: int = 7, groups: int = 6,
                  height: int = 40, width: int = 50, seed: int = 1,
                  dtype: torch.dtype = torch.float32) -> tuple:
    """Random maps and RoIs of 4 to 304 px, some crossing the map's edges.

    Returns:
        tuple[Tensor, Tensor]: maps (batch, groups * k * k, height, width)
        and RoIs (n_rois, 5) on random images.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, groups * k * k, height, width, generator=gen,
                    dtype=torch.float64)
    img = torch.tensor([width * STRIDE, height * STRIDE], dtype=torch.float64)
    wh = torch.rand(n_rois, 2, generator=gen, dtype=torch.float64) * 300 + 4
    xy = torch.rand(n_rois, 2, generator=gen,
                    dtype=torch.float64) * (img + 64) - 32 - wh / 2
    idx = torch.randint(0, batch, (n_rois, 1), generator=gen).double()
    rois = torch.cat([idx, xy, xy + wh], dim=1)
    return x.to(dtype), rois.to(dtype)


def test_border_rois_cover_every_case():
    """The helper's RoIs do what their names say (at the sample points)."""
    height, width = 7, 10
    rois = border_rois(height, width, batch=1)
    corners = rois[:, 1:] / STRIDE - 0.5
    assert len(rois) == 28
    assert (corners[:, 0] < -1).any() and (corners[:, 2] > width).any()
    assert (corners[:, 1] < -1).any() and (corners[:, 3] > height).any()
    assert (corners[:, 2] < -1).any() and (corners[:, 0] > width).any()
    band = (corners[:, 0] > -1) & (corners[:, 2] < 0)
    assert band.any()
    assert ((corners[:, 2] - corners[:, 0]) == 0).any()


@pytest.mark.parametrize('k', [3, 7])
@pytest.mark.parametrize('groups', [1, 2])
def test_matches_reference_across_borders(k, groups):
    height, width = 7, 10
    gen = torch.Generator().manual_seed(k * 10 + groups)
    x = torch.randn(2, groups * k * k, height, width, generator=gen,
                    dtype=torch.float64)
    rois = border_rois(height, width, batch=2, seed=k + groups)
    ref = ps_roi_align_reference(x, rois, k, 1 / STRIDE, RATIO)
    layer = GridSamplePSRoIAlign(k, 1 / STRIDE, RATIO)
    for dtype in (torch.float64, torch.float32):
        out = layer(x.to(dtype), rois.to(dtype))
        assert out.shape == (len(rois), groups, k, k)
        assert out.dtype == dtype
        torch.testing.assert_close(out.double(), ref, atol=1e-5, rtol=1e-5)


def test_matches_torchvision_on_many_rois():
    layer = GridSamplePSRoIAlign(7, 1 / STRIDE, RATIO)
    x, rois = random_inputs(500, batch=2, dtype=torch.float64)
    expected = ps_roi_align(x, rois, 7, 1 / STRIDE, RATIO)
    # float64: the same computation, to rounding (~1e-14 seen).
    torch.testing.assert_close(layer(x, rois), expected, atol=1e-5, rtol=1e-5)

    # float32, one image (as exported): as close as torchvision's own float32.
    x1, rois1 = random_inputs(500, batch=1)
    torch.testing.assert_close(layer(x1, rois1),
                               ps_roi_align(x1, rois1, 7, 1 / STRIDE, RATIO),
                               atol=1e-5, rtol=1e-5)

    # float32, two images stacked along the height: grid_sample's normalised
    # coordinates resolve B * H rows, so rounding grows with B (seen: 1.2-1.6x
    # torchvision's own float32 error at B = 2). Bound it by torchvision's.
    ours = layer(x.float(), rois.float()).double()
    tv32 = ps_roi_align(x.float(), rois.float(), 7, 1 / STRIDE, RATIO).double()
    tv_err = (tv32 - expected).abs().max()
    assert (ours - expected).abs().max() <= 2 * tv_err


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_gradient_matches_reference(dtype):
    k, groups = 3, 2
    x, rois = ps_roi_edge_case_inputs(k, groups)
    # Plus one RoI per border case, on both images.
    rois = torch.cat([rois, border_rois(*x.shape[-2:], batch=2)[::3]])
    x.requires_grad_(True)
    weights = torch.randn(len(rois), groups, k, k, dtype=torch.float64,
                          generator=torch.Generator().manual_seed(0))
    ref = ps_roi_align_reference(x, rois, k, 1 / STRIDE, RATIO)
    (grad_ref, ) = torch.autograd.grad((ref * weights).sum(), x)

    xd = x.detach().to(dtype).requires_grad_(True)
    out = GridSamplePSRoIAlign(k, 1 / STRIDE, RATIO)(xd, rois.to(dtype))
    (grad, ) = torch.autograd.grad((out * weights.to(dtype)).sum(), xd)
    assert grad.abs().sum() > 0
    torch.testing.assert_close(grad.double(), grad_ref, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('ratio', [0, -1])
def test_adaptive_sampling_is_refused(ratio):
    with pytest.raises(ValueError,
                       match=f'fixed sampling_ratio >= 1; got sampling_ratio='
                       f'{ratio}'):
        GridSamplePSRoIAlign(7, 1 / STRIDE, ratio)
    # The extractor maps every "adaptive" spelling (0, -1, absent) to -1.
    for layer in (dict(sampling_ratio=ratio), {}):
        with pytest.raises(ValueError, match='sampling_ratio=-1'):
            PSRoIExtractor(roi_layer=dict(type='PSRoIAlign', output_size=7,
                                          **layer),
                           featmap_strides=[STRIDE], backend='onnx')


def test_onnx_backend_has_no_ps_roi_pool():
    with pytest.raises(ValueError, match="no PSRoIPool for backend 'onnx'"):
        PSRoIExtractor(roi_layer=dict(type='PSRoIPool', output_size=7),
                       featmap_strides=[STRIDE], backend='onnx')


def test_extractor_onnx_backend_matches_torchvision_backend():
    def build(backend):
        return MODELS.build(
            dict(type='PSRoIExtractor',
                 roi_layer=dict(type='PSRoIAlign', output_size=7,
                                sampling_ratio=RATIO),
                 featmap_strides=[STRIDE], backend=backend))

    ext = build('onnx')
    assert isinstance(ext.roi_layers[0], GridSamplePSRoIAlign)
    x, rois = random_inputs(200, batch=1)
    torch.testing.assert_close(ext((x, ), rois),
                               build('torchvision')((x, ), rois),
                               atol=1e-5, rtol=1e-5)


def test_empty_rois():
    k, groups = 3, 2
    x = torch.randn(2, groups * k * k, 5, 6)
    out = GridSamplePSRoIAlign(k, 1 / STRIDE, RATIO)(x, x.new_zeros(0, 5))
    assert out.shape == (0, groups, k, k)
    ext = PSRoIExtractor(roi_layer=dict(type='PSRoIAlign', output_size=k,
                                        sampling_ratio=RATIO),
                         featmap_strides=[STRIDE], backend='onnx')
    assert ext((x, ), x.new_zeros(0, 5)).shape == (0, groups, k, k)


def test_onnx_export_runs_in_onnxruntime(tmp_path):
    """Exported alone with dynamic batch, map size and RoI count: standard
    ONNX operators only, and onnxruntime computes torchvision's numbers."""
    onnx = pytest.importorskip('onnx')
    ort = pytest.importorskip('onnxruntime')
    # torch.onnx.export's default (dynamo) exporter translates through it.
    pytest.importorskip('onnxscript')
    from torch.export import Dim

    layer = GridSamplePSRoIAlign(7, 1 / STRIDE, RATIO).eval()
    # A batch of 2 to trace: torch.export specialises a size-1 dimension.
    x, rois = random_inputs(30, batch=2, height=20, width=24)
    path = str(tmp_path / 'grid_sample_ps_roi_align.onnx')
    torch.onnx.export(
        layer, (x, rois), path, input_names=['x', 'rois'],
        output_names=['pooled'], verbose=False,
        dynamic_shapes=dict(
            x={0: Dim('batch', min=1), 2: Dim('height', min=2),
               3: Dim('width', min=2)},
            rois={0: Dim('num_rois')}))

    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = {(node.domain, node.op_type) for node in model.graph.node}
    assert {domain for domain, _ in ops} <= {'', 'ai.onnx'}, ops
    assert ('', 'GridSample') in ops
    assert {imp.domain for imp in model.opset_import} <= {'', 'ai.onnx'}

    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for batch, (height, width), n_rois in [(1, (20, 24), 30),
                                           (2, (33, 17), 57)]:
        x, rois = random_inputs(n_rois, batch=batch, height=height,
                                width=width, seed=n_rois)
        (out, ) = session.run(None, dict(x=x.numpy(), rois=rois.numpy()))
        assert out.shape == (n_rois, 6, 7, 7)
        torch.testing.assert_close(torch.from_numpy(out),
                                   ps_roi_align(x, rois, 7, 1 / STRIDE, RATIO),
                                   atol=1e-5, rtol=1e-5)
