"""Time position-sensitive RoI pooling: each backend, side by side, one run.

    python tools/analysis_tools/benchmark_ps_roi.py [--device cuda] [--json out.json]

Score maps of R-FCN's shape at WIDER resolution (stride 16 of a 1024 x 1365
image: 64 x 86 cells, (C + 5) * k * k = 294 channels for k = 7) and random
RoIs; forward and forward + backward, median over repeats after warm-up. The
naive loop reference is timed on a few RoIs only, for orientation. The work is
done by :func:`mmfacerfcn.testing.benchmark.ps_roi_timings`, which
tools/analysis_tools/benchmark.py also reports.
"""
import argparse
import json

from mmfacerfcn.testing.benchmark import ps_roi_lines, ps_roi_timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--k', type=int, default=7)
    parser.add_argument('--rois', type=int, nargs='+', default=[300, 1000])
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--json', help='also write the figures here')
    args = parser.parse_args()

    results = ps_roi_timings(args.device, k=args.k, rois=args.rois,
                             repeats=args.repeats)
    print('\n'.join(ps_roi_lines(results)))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
