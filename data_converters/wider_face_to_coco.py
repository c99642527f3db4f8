"""Convert one split of WIDER FACE to the COCO JSON read by mmfacerfcn.

    python data_converters/wider_face_to_coco.py WIDER_ROOT OUT.json --split val

WIDER_ROOT is the official download unpacked as it comes (``WIDER_<split>/``,
``wider_face_split/`` and, for val, ``eval_tools/ground_truth/``). The JSON
layout is documented in ``docs/wider_face_coco_format.md``; the parsing lives in
:mod:`mmfacerfcn.datasets.wider_face_parsing`.
"""
import argparse
import sys

from mmfacerfcn.datasets.wider_face_parsing import SPLITS, convert_wider, run_conversion


def parse_args() -> argparse.Namespace:
    """Parse the command line.

    Returns:
        argparse.Namespace: ``root``, ``out``, ``split`` and ``no_progress``.
    """
    parser = argparse.ArgumentParser(
        description='Convert WIDER FACE annotations to COCO JSON')
    parser.add_argument('root', help='WIDER FACE root (official layout)')
    parser.add_argument('out', help='output JSON file')
    parser.add_argument('--split', required=True, choices=SPLITS)
    parser.add_argument('--no-progress', action='store_true',
                        help='do not show the progress bar')
    return parser.parse_args()


def main() -> int:
    """Run the conversion.

    Returns:
        int: The exit status (0 on success, 1 on a malformed input).
    """
    args = parse_args()
    return run_conversion(
        lambda: convert_wider(args.root, args.split,
                              progress=not args.no_progress),
        args.out, f'WIDER FACE {args.split}')


if __name__ == '__main__':
    sys.exit(main())
