"""Write the embedded sample's val split in FDDB's layout (ellipses).

    python tools/dataset_converters/make_fddb_sample.py data/wider_sample \
        data/fddb_sample [--folds 2] [--min-face 20]
    python tools/dataset_converters/fddb_to_coco.py data/fddb_sample \
        data/fddb_sample/annotations/fddb_sample.json

WIDER_SAMPLE_ROOT is the sample written by ``make_wider_sample.py``. See
:mod:`mmfacerfcn.data_formats.fddb_sample` for which faces become ellipses and
how.
"""
import argparse
import sys
import time

from mmfacerfcn.data_formats.fddb_sample import make_fddb_sample


def parse_args() -> argparse.Namespace:
    """Parse the command line.

    Returns:
        argparse.Namespace: ``wider_root``, ``out_root``, ``folds`` and
        ``min_face``.
    """
    parser = argparse.ArgumentParser(
        description='Write the WIDER sample\'s val split in FDDB\'s layout')
    parser.add_argument('wider_root', help='the WIDER sample (WIDER_ROOT)')
    parser.add_argument('out_root', help='folder to write FDDB_ROOT into')
    parser.add_argument('--folds', type=int, default=2,
                        help='number of folds (images dealt round-robin)')
    parser.add_argument('--min-face', type=float, default=20,
                        help='smallest face height in pixels kept')
    return parser.parse_args()


def main() -> int:
    """Write the FDDB tree and print its counts.

    Returns:
        int: The exit status (0, or 1 after one ``error: ...`` line on
        stderr when the WIDER sample is missing or malformed or the
        arguments do not fit it).
    """
    args = parse_args()
    start = time.perf_counter()
    try:
        summary = make_fddb_sample(args.wider_root, args.out_root,
                                   num_folds=args.folds,
                                   min_face=args.min_face)
    except ValueError as err:  # FddbFormatError and WiderFormatError too
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'FDDB sample -> {args.out_root} '
          f'({time.perf_counter() - start:.1f} s)')
    print(', '.join(f'{k} {v}' for k, v in summary.items()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
