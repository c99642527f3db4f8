"""Evaluate WIDER FACE val predictions in the official submission format.

    python tools/wider_eval.py --pred PRED_DIR --gt GT_DIR [--json OUT]

PRED_DIR holds ``<event>/<name>.txt`` files (image name, box count, then
``x y w h score`` lines, any order); a missing file means no detection in that
image. GT_DIR holds the official ``wider_face_val.mat`` and
``wider_{easy,medium,hard}_val.mat`` (``eval_tools/ground_truth``). Prints the
Easy / Medium / Hard AP of the official protocol; ``--json`` also writes them
(atomically; missing folders are created, as ``mmengine.dump`` and the
converters do).

A file in PRED_DIR that is no ``<event>/<name>.txt`` of a val image is an
error naming the first few (a prediction the evaluation would silently drop),
unless ``--ignore-unknown-files``; so is a box with a negative width or height.
"""
import argparse
import json
import os
import sys
from typing import List, Optional

from mmfacerfcn.evaluation.functional.wider_face_eval import (
    WIDER_FACE_SUBSETS,
    evaluate_wider_face,
)
from mmfacerfcn.evaluation.functional.wider_face_gt import load_wider_gt_mat
from mmfacerfcn.evaluation.functional.wider_face_report import format_ap_table
from mmfacerfcn.evaluation.functional.wider_submission import (
    read_submission_dir,
    unknown_submission_files,
)
from mmfacerfcn.utils.output_paths import (
    OutputPathError,
    check_output_not_input,
    check_output_writable,
    write_atomic,
)

#: How many unknown prediction files an error message names.
NUM_NAMED = 3


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='WIDER FACE Easy/Medium/Hard AP of submission files '
        '(official eval_tools protocol)')
    parser.add_argument('--pred', required=True,
                        help='folder with <event>/<name>.txt predictions')
    parser.add_argument('--gt', required=True,
                        help='folder with wider_face_val.mat and '
                        'wider_{easy,medium,hard}_val.mat')
    parser.add_argument('--json', metavar='OUT',
                        help='also write {"easy": .., "medium": .., '
                        '"hard": ..} to this file')
    parser.add_argument('--ignore-unknown-files', action='store_true',
                        help='evaluate even if PRED_DIR holds files that '
                        'match no val image (they are counted, not read)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the evaluation.

    Args:
        argv (List[str], optional): command-line arguments; sys.argv if None.

    Returns:
        int: exit status, 0 on success, 1 on unreadable input, on files in
        the prediction folder that match no val image, or on a ``--json``
        path that cannot be written or lies inside the prediction or
        ground-truth folder.
    """
    args = parse_args(argv)
    if not os.path.isdir(args.pred):
        return error(f'{args.pred} is not a folder')
    try:
        if args.json:
            check_output_not_input(args.json, folders=[args.pred, args.gt])
            check_output_writable(args.json)
        gt = load_wider_gt_mat(args.gt)
        preds = read_submission_dir(args.pred, gt)
    except (ValueError, OSError) as e:
        # A bad input is the user's to fix: name it, no traceback. The
        # readers' errors (InputFileError, OutputPathError,
        # PathEscapesFolderError) are ValueErrors naming the file.
        return error(str(e))
    unknown = unknown_submission_files(args.pred, gt)
    if unknown:
        named = ', '.join(unknown[:NUM_NAMED])
        more = f' and {len(unknown) - NUM_NAMED} more' if len(
            unknown) > NUM_NAMED else ''
        message = (f'{args.pred}: {len(unknown)} files match no val image '
                   f'and are not evaluated: {named}{more}')
        if not args.ignore_unknown_files:
            return error(f'{message} (--ignore-unknown-files to evaluate '
                         'the others)')
        print(f'wider_eval: warning: {message}', file=sys.stderr)
    found = sum(p is not None for p in preds.values())
    print(f'predictions for {found} of {len(gt)} images '
          f'({len(gt) - found} without a file count as no detection)')
    if found == 0:
        print(f'wider_eval: warning: no <event>/<name>.txt found under '
              f'{args.pred}', file=sys.stderr)

    results = evaluate_wider_face(preds, gt)
    aps = {s: results[s].ap for s in WIDER_FACE_SUBSETS}
    print(format_ap_table(aps))
    if args.json:
        try:
            write_atomic(args.json, lambda f: json.dump(aps, f, indent=2))
        except OutputPathError as e:
            return error(str(e))
    return 0


def error(message: str) -> int:
    """Print ``wider_eval: error: message`` to stderr; return the status 1."""
    print(f'wider_eval: error: {message}', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
