"""Convert FDDB's ellipse folds to COCO JSON (ellipse kept, tight box as bbox).

    python tools/dataset_converters/fddb_to_coco.py FDDB_ROOT OUT.json \
        [--folds 1 2 ...]

FDDB_ROOT holds ``FDDB-folds/FDDB-fold-XX-ellipseList.txt`` and
``originalPics/``; the parsing lives in
:mod:`mmfacerfcn.data_formats.fddb_ellipses`, the conversion in
:mod:`mmfacerfcn.data_formats.fddb_coco`.
"""
import argparse
import sys
from pathlib import Path

from mmfacerfcn.data_formats.converter_cli import run_conversion
from mmfacerfcn.data_formats.fddb_coco import convert_fddb
from mmfacerfcn.data_formats.fddb_ellipses import FOLDS_DIR, IMAGES_DIR


def parse_args() -> argparse.Namespace:
    """Parse the command line.

    Returns:
        argparse.Namespace: ``root``, ``out``, ``folds`` and ``no_progress``.
    """
    parser = argparse.ArgumentParser(
        description='Convert FDDB ellipse annotations to COCO JSON')
    parser.add_argument('root', help='FDDB root (FDDB-folds/, originalPics/)')
    parser.add_argument('out', help='output JSON file')
    parser.add_argument('--folds', type=int, nargs='+',
                        help='fold ids to convert (default: all found)')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not show the progress bar')
    return parser.parse_args()


def main() -> int:
    """Run the conversion.

    Returns:
        int: The exit status (0 on success, 1 on a malformed input or an
        output path inside the fold or image folders or that cannot be
        written).
    """
    args = parse_args()
    root = Path(args.root)
    return run_conversion(
        lambda: convert_fddb(args.root, args.folds,
                             progress=not args.no_progress),
        args.out, 'FDDB', input_folders=[root / FOLDS_DIR, root / IMAGES_DIR])


if __name__ == '__main__':
    sys.exit(main())
