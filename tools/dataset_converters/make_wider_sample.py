"""Write the embedded WIDER FACE sample in the official layout.

    python tools/dataset_converters/make_wider_sample.py data/wider_sample
    python tools/dataset_converters/wider_face_to_coco.py data/wider_sample \
        data/wider_sample/annotations/wider_face_val.json --split val

    python tools/dataset_converters/make_wider_sample.py data/wider_sample \
        --check

writes nothing and prints ``current`` when this generator wrote the sample
there, else ``outdated`` (with a warning on stderr when a sample of another
generator version is there); ``tools/prepare_sample.sh`` writes it then.

See :mod:`mmfacerfcn.data_formats.wider_sample` for what the images contain.
"""
import argparse
import sys
import time

from mmfacerfcn.data_formats.wider_sample import (
    make_wider_sample,
    sample_is_current,
    stale_sample_warning,
)


def parse_args() -> argparse.Namespace:
    """Parse the command line.

    Returns:
        argparse.Namespace: ``out_root``, ``num_train``, ``num_val``,
        ``num_test``, ``seed`` and ``check``.
    """
    parser = argparse.ArgumentParser(
        description='Generate a small WIDER FACE look-alike (official layout)')
    parser.add_argument('out_root', help='folder to write WIDER_ROOT into')
    parser.add_argument('--num-train', type=int, default=150)
    parser.add_argument('--num-val', type=int, default=30)
    parser.add_argument('--num-test', type=int, default=6)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--check', action='store_true',
        help='write nothing; print "current" when this generator wrote the '
        'sample in out_root, else "outdated"')
    return parser.parse_args()


def main() -> int:
    """Generate the sample and print its counts, or check its version.

    Returns:
        int: The exit status.
    """
    args = parse_args()
    if args.check:
        warning = stale_sample_warning(args.out_root)
        if warning:  # in the words of its caller, tools/prepare_sample.sh
            print(f'prepare_sample: {warning}', file=sys.stderr)
        print('current' if sample_is_current(args.out_root) else 'outdated')
        return 0
    start = time.perf_counter()
    summary = make_wider_sample(args.out_root, num_train=args.num_train,
                                num_val=args.num_val, num_test=args.num_test,
                                seed=args.seed)
    print(f'WIDER sample -> {args.out_root} '
          f'({time.perf_counter() - start:.1f} s)')
    for split, counts in summary.items():
        print(f'{split}: ' + ', '.join(f'{k} {v}' for k, v in counts.items()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
