"""Time position-sensitive RoI pooling: each backend, side by side, one run.

    python tools/analysis_tools/benchmark_ps_roi.py [--device cuda] [--json out.json]

Score maps of R-FCN's shape at WIDER resolution (stride 16 of a 1024 x 1365
image: 64 x 86 cells, (C + 5) * k * k = 294 channels for k = 7) and random
RoIs; forward and forward + backward, median over repeats after warm-up. The
naive loop reference is timed on a few RoIs only, for orientation.
"""
import argparse
import json
import statistics
import time

import torch

from mmfacerfcn.models.roi_heads.roi_extractors import PSRoIExtractor
from mmfacerfcn.testing import ps_roi_align_reference


def random_rois(n: int, height: int, width: int, stride: int,
                gen: torch.Generator) -> torch.Tensor:
    """``n`` RoIs (batch 0) with sides of 8 to 400 pixels inside the image."""
    img_h, img_w = height * stride, width * stride
    wh = torch.rand(n, 2, generator=gen) * 392 + 8
    xy = torch.rand(n, 2, generator=gen) * (
        torch.tensor([img_w, img_h]) - wh)
    return torch.cat([torch.zeros(n, 1), xy, xy + wh], dim=1)


def timed(fn, device: str, repeats: int, warmup: int = 3) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if device == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device == 'cuda':
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--k', type=int, default=7)
    parser.add_argument('--rois', type=int, nargs='+', default=[300, 1000])
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--json', help='also write the figures here')
    args = parser.parse_args()

    gen = torch.Generator().manual_seed(0)
    k, groups, stride, (h, w) = args.k, 6, 16, (64, 86)
    feat = torch.randn(1, groups * k * k, h, w, generator=gen).to(args.device)
    results = dict(device=args.device, k=k, map=list(feat.shape), timings=[])
    for n in args.rois:
        rois = random_rois(n, h, w, stride, gen).to(args.device)
        for backend, layer in [('torchvision', 'PSRoIAlign'),
                               ('mmcv', 'PSRoIAlign'),
                               ('torchvision', 'PSRoIPool')]:
            ext = PSRoIExtractor(
                roi_layer=dict(type=layer, output_size=k, sampling_ratio=2)
                if layer == 'PSRoIAlign' else dict(type=layer, output_size=k),
                backend=backend).to(args.device)
            x = feat.clone().requires_grad_(True)

            def fwd():
                with torch.no_grad():
                    ext((x, ), rois)

            def fwd_bwd():
                ext((x, ), rois).sum().backward()

            row = dict(backend=backend, layer=layer, rois=n,
                       forward_ms=timed(fwd, args.device, args.repeats),
                       forward_backward_ms=timed(fwd_bwd, args.device,
                                                 args.repeats))
            results['timings'].append(row)
            print(f'{layer:<10} {backend:<11} rois={n:<5} '
                  f'forward {row["forward_ms"]:8.2f} ms   '
                  f'forward+backward {row["forward_backward_ms"]:8.2f} ms')
    few = random_rois(4, h, w, stride, gen)
    cpu_feat = feat[:, :, :h, :w].detach().cpu().double()
    naive_ms = timed(lambda: ps_roi_align_reference(cpu_feat, few, k, 1 / stride,
                                                    2), 'cpu', 1, warmup=0)
    results['naive_reference_ms_per_roi'] = naive_ms / len(few)
    print(f'naive loop reference (CPU): {naive_ms / len(few):.1f} ms per RoI')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
