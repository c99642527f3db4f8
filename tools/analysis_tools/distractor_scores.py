"""Does the RoI classifier tell a face from a pasted distractor?

    python tools/analysis_tools/distractor_scores.py CONFIG CHECKPOINT \\
        [--data-root data/wider_sample] [--split val] [--min-size 16] \\
        [--device cpu] [--json OUT]

The embedded sample pastes non-face crops and textures into its pictures the
way it pastes faces (soft edges, skin tint): hard negatives without a label.
A detector that has learned "a soft-edged skin-coloured patch" instead of
"a face" ranks them with the faces, and its AP stalls there. This tool puts
the question to the RoI classifier directly: it scores the ground-truth box
of every valid face and of every distractor (the generator's record,
:func:`~mmfacerfcn.data_formats.wider_sample.read_distractors`), each at least
``--min-size`` px high, as RoIs of the model's own RoI head (the picture
through the config's test pipeline, the boxes scaled like it), and prints:

- the ROC AUC of the face score, faces against distractors (0.5: no better
  than chance; 1: every face above every distractor), overall and by box
  height (16-32, 32-64, 64-128, 128+ px);
- the mean face score of each, and the share of each scoring 0.5 or more.

These figures say nothing about localisation (the RoIs are the exact boxes)
or about background (the RPN's job); WIDER AP says the rest.
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Sequence

import numpy as np
from scipy.stats import mannwhitneyu

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, REPO)

# Box-height bands of the breakdown, px: [low, high).
HEIGHT_BANDS = ((16, 32), (32, 64), (64, 128), (128, float('inf')))


def roc_auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """ROC AUC of scores, positives against negatives.

    The probability that a random positive scores above a random negative
    (ties count half): the Mann-Whitney U of the positives over the number
    of pairs.

    Args:
        positive (Sequence[float]): Scores of the positives (faces).
        negative (Sequence[float]): Scores of the negatives (distractors).

    Returns:
        float: In [0, 1]; NaN when either side is empty.
    """
    if not len(positive) or not len(negative):
        return float('nan')
    u = mannwhitneyu(positive, negative, alternative='two-sided').statistic
    return float(u) / (len(positive) * len(negative))


def summarize(face_scores: np.ndarray, face_heights: np.ndarray,
              distractor_scores: np.ndarray,
              distractor_heights: np.ndarray) -> Dict:
    """The figures this tool prints.

    Args:
        face_scores (np.ndarray): Face score of each face box, (F, ).
        face_heights (np.ndarray): Their heights, px, (F, ).
        distractor_scores (np.ndarray): Face score of each distractor, (D, ).
        distractor_heights (np.ndarray): Their heights, px, (D, ).

    Returns:
        dict: ``all`` and one entry per height band (``"16-32"``, ...,
        ``"128+"``), each with ``faces``, ``distractors`` (counts), ``auc``,
        ``face_mean``, ``distractor_mean``, ``face_share_05`` and
        ``distractor_share_05`` (NaN where a side is empty).
    """
    def row(fs: np.ndarray, ds: np.ndarray) -> Dict:
        def mean(a):
            return float(a.mean()) if len(a) else float('nan')

        return dict(faces=int(len(fs)), distractors=int(len(ds)),
                    auc=roc_auc(fs, ds), face_mean=mean(fs),
                    distractor_mean=mean(ds), face_share_05=mean(fs >= 0.5),
                    distractor_share_05=mean(ds >= 0.5))

    out = {'all': row(face_scores, distractor_scores)}
    for low, high in HEIGHT_BANDS:
        name = f'{low}-{high}' if high != float('inf') else f'{low}+'
        out[name] = row(
            face_scores[(face_heights >= low) & (face_heights < high)],
            distractor_scores[(distractor_heights >= low)
                              & (distractor_heights < high)])
    return out


def table_lines(figures: Dict) -> List[str]:
    """The printed table, one line per row of :func:`summarize`."""
    lines = ['boxes | faces | distractors | AUC | mean face score '
             '(faces / distractors) | share >= 0.5 (faces / distractors)']
    for name, r in figures.items():
        lines.append(
            f"{name} | {r['faces']} | {r['distractors']} | {r['auc']:.3f} | "
            f"{r['face_mean']:.3f} / {r['distractor_mean']:.3f} | "
            f"{r['face_share_05']:.2f} / {r['distractor_share_05']:.2f}")
    return lines


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='RoI face scores of faces against the embedded '
        "sample's pasted distractors (ROC AUC)")
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--data-root', default='data/wider_sample',
                        help='the embedded sample (WIDER_ROOT layout, '
                        'generated with its distractor record)')
    parser.add_argument('--split', default='val', choices=('train', 'val'))
    parser.add_argument('--min-size', type=float, default=16.,
                        help='shortest box height used, px')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='write the figures here')
    return parser.parse_args(argv)


def score_boxes(model, pipeline, image_path: str,
                boxes_xywh: np.ndarray) -> np.ndarray:
    """The RoI head's face score of each box of one picture.

    Args:
        model: A two-stage detector (``extract_feat``, ``roi_head``).
        pipeline: The config's test pipeline (from a file path).
        image_path (str): The picture.
        boxes_xywh (np.ndarray): (N, 4) ``x, y, w, h`` in its pixels.

    Returns:
        np.ndarray: (N, ) softmax probability of the first class (face).
    """
    import torch
    from mmdet.structures.bbox import scale_boxes
    from mmengine.dataset import pseudo_collate
    from mmengine.structures import InstanceData

    packed = pipeline(dict(img_path=image_path, img_id=0))
    data = model.data_preprocessor(pseudo_collate([packed]), False)
    sample = data['data_samples'][0]
    xyxy = torch.from_numpy(boxes_xywh.astype(np.float32)).reshape(-1, 4)
    xyxy[:, 2:] += xyxy[:, :2]
    rois = scale_boxes(xyxy, sample.scale_factor).to(data['inputs'].device)
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'])
        cls_score = model.roi_head.forward(
            feats, [InstanceData(bboxes=rois)], data['data_samples'])[0]
    return cls_score.softmax(-1)[:, 0].cpu().numpy()


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmdet.utils import get_test_pipeline_cfg
    from mmengine.config import Config
    from mmengine.dataset import Compose

    from mmfacerfcn import register_all_modules
    from mmfacerfcn.data_formats.converter_cli import dump_json_atomic
    from mmfacerfcn.data_formats.wider_face_txt import (
        GT_FILES,
        SPLIT_DIR,
        parse_wider_gt,
    )
    from mmfacerfcn.data_formats.wider_sample import read_distractors
    from mmfacerfcn.utils.checkpoint_fit import init_detector_or_exit
    from mmfacerfcn.utils.input_files import InputFileError, exit_unless_files
    from mmfacerfcn.utils.output_paths import OutputWriteError

    exit_unless_files('distractor_scores', (args.config, 'config'),
                      (args.checkpoint, 'checkpoint'))
    try:
        gt = parse_wider_gt(osp.join(args.data_root, SPLIT_DIR,
                                     GT_FILES[args.split]))
        distractors = {im.file_name: im for im in read_distractors(
            args.data_root, args.split)}
    except (InputFileError, OSError) as err:
        raise SystemExit(f'distractor_scores: error: {err}') from None
    register_all_modules()
    cfg = Config.fromfile(args.config)
    model = init_detector_or_exit(cfg, args.checkpoint, args.config,
                                  args.device)
    pipeline = Compose(get_test_pipeline_cfg(cfg))
    image_dir = osp.join(args.data_root, f'WIDER_{args.split}', 'images')
    scores = {True: [], False: []}
    heights = {True: [], False: []}
    for image in gt:
        if image.file_name not in distractors:
            raise SystemExit(
                f'distractor_scores: error: {image.source}:{image.line}: '
                f'{image.file_name} has no entry in the distractor record '
                f'of {args.data_root}: the two files are from different '
                'samples')
        boxes = [(f.bbox, True) for f in image.faces
                 if not f.attributes['invalid']]
        boxes += [(f.bbox, False) for f in distractors[image.file_name].faces]
        boxes = [(b, is_face) for b, is_face in boxes
                 if b[3] >= args.min_size]
        if not boxes:
            continue
        xywh = np.array([b for b, _ in boxes], dtype=np.float32)
        # parse_wider_gt keeps the names inside the image folder.
        face_scores = score_boxes(model, pipeline,
                                  osp.join(image_dir, image.file_name), xywh)
        for (box, is_face), score in zip(boxes, face_scores):
            scores[is_face].append(float(score))
            heights[is_face].append(box[3])
    figures = summarize(*(np.asarray(v, dtype=np.float64) for v in (
        scores[True], heights[True], scores[False], heights[False])))
    print(f'{args.config} on {args.data_root} {args.split}: RoI face score '
          'at the ground-truth boxes')
    print('\n'.join(table_lines(figures)))
    if args.json:
        try:
            dump_json_atomic(dict(config=args.config,
                                  checkpoint=args.checkpoint,
                                  split=args.split, min_size=args.min_size,
                                  figures=figures), args.json)
        except OutputWriteError as err:
            raise SystemExit(f'distractor_scores: error: {err}') from None
    return 0


if __name__ == '__main__':
    sys.exit(main())
