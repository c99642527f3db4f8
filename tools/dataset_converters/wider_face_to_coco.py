"""Convert one split of WIDER FACE to the COCO JSON read by mmfacerfcn.

    python tools/dataset_converters/wider_face_to_coco.py WIDER_ROOT OUT.json \
        --split val

WIDER_ROOT is the official download unpacked as it comes (``WIDER_<split>/``,
``wider_face_split/`` and, for val, ``eval_tools/ground_truth/``). The JSON
layout is documented in ``docs/wider_face_coco_format.md``; the conversion lives
in :mod:`mmfacerfcn.data_formats.wider_face_coco`.
"""
import argparse
import sys
from pathlib import Path
from typing import List, Tuple

from mmfacerfcn.data_formats.converter_cli import run_conversion
from mmfacerfcn.data_formats.wider_face_coco import convert_wider
from mmfacerfcn.data_formats.wider_face_txt import (
    GT_FILES,
    SPLIT_DIR,
    SPLITS,
    TEST_FILELIST,
)
from mmfacerfcn.evaluation.functional import WIDER_FACE_GT_DIR


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


def split_inputs(root: str, split: str) -> Tuple[List[Path], List[Path]]:
    """What :func:`convert_wider` reads for ``split``.

    Args:
        root (str): ``WIDER_ROOT``.
        split (str): ``"train"``, ``"val"`` or ``"test"``.

    Returns:
        tuple[list[Path], list[Path]]: The annotation file, and the folders
        (images; for val the ``.mat`` ground truth).
    """
    root = Path(root)
    name = TEST_FILELIST if split == 'test' else GT_FILES[split]
    folders = [root / f'WIDER_{split}']
    if split == 'val':
        folders.append(root / WIDER_FACE_GT_DIR)
    return [root / SPLIT_DIR / name], folders


def main() -> int:
    """Run the conversion.

    Returns:
        int: The exit status (0 on success, 1 on a malformed input or an
        output path that would overwrite an input or cannot be written).
    """
    args = parse_args()
    files, folders = split_inputs(args.root, args.split)
    return run_conversion(
        lambda: convert_wider(args.root, args.split,
                              progress=not args.no_progress),
        args.out, f'WIDER FACE {args.split}', files, folders)


if __name__ == '__main__':
    sys.exit(main())
