"""Evaluate WIDER FACE val predictions in the official submission format.

    python tools/wider_eval.py --pred PRED_DIR --gt GT_DIR [--json OUT]

PRED_DIR holds ``<event>/<name>.txt`` files (image name, box count, then
``x y w h score`` lines, any order); a missing file means no detection in that
image. GT_DIR holds the official ``wider_face_val.mat`` and
``wider_{easy,medium,hard}_val.mat`` (``eval_tools/ground_truth``). Prints the
Easy / Medium / Hard AP of the official protocol; ``--json`` also writes them.
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
    SubmissionFormatError,
    read_submission_dir,
)
from mmfacerfcn.utils.output_paths import (
    OutputOverwritesInputError,
    check_output_not_input,
)


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
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the evaluation.

    Args:
        argv (List[str], optional): command-line arguments; sys.argv if None.

    Returns:
        int: exit status, 0 on success, 1 on unreadable input or a ``--json``
        path inside the prediction or ground-truth folder.
    """
    args = parse_args(argv)
    if not os.path.isdir(args.pred):
        print(f'wider_eval: error: {args.pred} is not a folder', file=sys.stderr)
        return 1
    try:
        if args.json:
            check_output_not_input(args.json, folders=[args.pred, args.gt])
        gt = load_wider_gt_mat(args.gt)
        preds = read_submission_dir(args.pred, gt)
    except (SubmissionFormatError, OutputOverwritesInputError, OSError,
            ValueError) as e:
        # A bad input is the user's to fix: name it, no traceback.
        print(f'wider_eval: error: {e}', file=sys.stderr)
        return 1
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
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(aps, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
