"""How often is a detection of a given score a face? Reliability of scores.

    python tools/analysis_tools/score_reliability.py CONFIG CHECKPOINT \\
        [--split val] [--bins 10] [--min-score 0.05] [--thr 0.3] \\
        [--device cpu] [--json OUT] [--cfg-options KEY=VALUE ...]

The model's final detections (the config's test pipeline, verifier and
NMS, boxes in the pictures' pixels) on every picture of the config's val
(test dataloader) or train split, through the test pipeline, each
labelled against that picture's annotations as the crop verifier's
training labels it, and as its hook labels them to calibrate the final
scores (:func:`~mmfacerfcn.engine.hooks.labelled_final_detections`);
those scoring at least ``--min-score`` are counted:
a face where it overlaps one by IoU 0.5 or more (WIDER FACE's match), a
non-face where it overlaps no face nor ignored region by 0.5, left out
otherwise. Printed:

- per score bin (``--bins`` of equal width on [0, 1]): the detections, their
  mean score and the share of them on a face. A score that is a probability
  of a face has the two equal (a reliability diagram, Niculescu-Mizil and
  Caruana 2005);
- the expected calibration error (the bins' ``|mean score - face share|``
  weighted by their detections) and the Brier score;
- the detections at ``--thr`` or above (``tools/infer.py``'s
  ``--score-thr``): how many, their mean score and their share of faces.

The figures depend on the split's faces as much as on the model: a
picture's tiny faces make a detection on them hard to place within IoU 0.5.
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Sequence

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, REPO)


def reliability_bins(scores: Sequence[float], labels: Sequence[int],
                     num_bins: int = 10) -> List[Dict]:
    """Detections by score bin, with their mean score and share of faces.

    Written out (a dozen lines of numpy): scikit-learn's
    ``calibration_curve`` does the same binning, but it is not a dependency
    of the OpenMMLab stack and drops empty bins.

    Args:
        scores (Sequence[float]): Scores in [0, 1], (n, ).
        labels (Sequence[int]): 1 for a face, 0 for a non-face, (n, ).
        num_bins (int): Bins of width ``1 / num_bins``; each holds
            ``[low, high)``, the last ``[low, 1]``. Defaults to 10.

    Returns:
        list[dict]: Per bin ``low``, ``high``, ``count``, ``mean_score`` and
        ``face_share`` (NaN for an empty bin).
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    index = np.clip((scores * num_bins).astype(np.int64), 0, num_bins - 1)
    bins = []
    for i in range(num_bins):
        inside = index == i
        count = int(inside.sum())
        bins.append(dict(
            low=i / num_bins, high=(i + 1) / num_bins, count=count,
            mean_score=float(scores[inside].mean()) if count else np.nan,
            face_share=float(labels[inside].mean()) if count else np.nan))
    return bins


def calibration_error(bins: List[Dict]) -> float:
    """Expected calibration error of :func:`reliability_bins`' bins.

    Returns:
        float: ``sum_b count_b / n * |mean_score_b - face_share_b|``; NaN
        without detections.
    """
    total = sum(b['count'] for b in bins)
    if not total:
        return float('nan')
    return float(sum(b['count'] / total * abs(b['mean_score'] -
                                               b['face_share'])
                     for b in bins if b['count']))


def summarize(scores: Sequence[float], labels: Sequence[int],
              num_bins: int, thr: float) -> Dict:
    """The figures this tool prints.

    Returns:
        dict: ``detections``, ``faces`` (counts), ``bins``
        (:func:`reliability_bins`), ``ece``, ``brier`` and ``above_thr``
        (``thr``, ``count``, ``mean_score``, ``face_share``).
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    bins = reliability_bins(scores, labels, num_bins)
    above = scores >= thr
    return dict(
        detections=int(len(scores)), faces=int(labels.sum()), bins=bins,
        ece=calibration_error(bins),
        brier=float(np.mean((scores - labels)**2)) if len(scores) else np.nan,
        above_thr=dict(
            thr=thr, count=int(above.sum()),
            mean_score=float(scores[above].mean()) if above.any() else np.nan,
            face_share=float(labels[above].mean()) if above.any() else np.nan))


def table_lines(figures: Dict) -> List[str]:
    """The printed table of :func:`summarize`."""
    lines = [f'{figures["detections"]} detections, {figures["faces"]} on a '
             'face', 'score bin | detections | mean score | face share']
    for b in figures['bins']:
        lines.append(f'{b["low"]:.2f}-{b["high"]:.2f} | {b["count"]} | '
                     f'{b["mean_score"]:.3f} | {b["face_share"]:.3f}')
    above = figures['above_thr']
    lines += [f'ECE {figures["ece"]:.4f}, Brier {figures["brier"]:.4f}',
              f'score >= {above["thr"]}: {above["count"]} detections, mean '
              f'score {above["mean_score"]:.3f}, face share '
              f'{above["face_share"]:.3f}']
    return lines


def parse_args(argv=None) -> argparse.Namespace:
    from mmfacerfcn.utils.runner_cli import add_cfg_options_arg
    parser = argparse.ArgumentParser(
        description='Reliability of a detector\'s scores: the share of '
        'faces among its detections, by score')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--split', default='val', choices=('train', 'val'),
                        help='val: the test dataloader\'s dataset; train: '
                        'the train dataloader\'s, through the test pipeline')
    parser.add_argument('--bins', type=int, default=10)
    parser.add_argument('--min-score', type=float, default=0.05,
                        help='lowest detection score counted')
    parser.add_argument('--thr', type=float, default=0.3,
                        help='the threshold to report on (tools/infer.py\'s '
                        'default --score-thr)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='also write the figures here')
    add_cfg_options_arg(parser)
    args = parser.parse_args(argv)
    if args.bins < 1:
        parser.error(f'--bins {args.bins}: must be >= 1')
    return args


def split_dataset(cfg, split: str):
    """The ``split``'s dataset of ``cfg`` (``test_mode``: no picture
    filtered out) and the test pipeline its pictures go through."""
    from mmdet.registry import DATASETS
    from mmdet.utils import get_test_pipeline_cfg
    from mmengine.dataset import Compose
    loader = cfg.test_dataloader if split == 'val' else cfg.train_dataloader
    dataset = dict(loader.dataset)
    pipeline = get_test_pipeline_cfg(cfg)
    dataset.update(pipeline=pipeline, test_mode=True)
    return DATASETS.build(dataset), Compose(pipeline)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.registry import init_default_scope

    from mmfacerfcn import register_all_modules
    from mmfacerfcn.data_formats.converter_cli import dump_json_atomic
    from mmfacerfcn.engine.hooks import labelled_final_detections
    from mmfacerfcn.utils.checkpoint_fit import init_detector_or_exit
    from mmfacerfcn.utils.input_files import exit_unless_files
    from mmfacerfcn.utils.output_paths import OutputWriteError
    from mmfacerfcn.utils.preflight import check_data
    from mmfacerfcn.utils.runner_cli import load_config

    exit_unless_files('score_reliability', (args.config, 'config'),
                      (args.checkpoint, 'checkpoint'))
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    try:
        check_data(cfg, splits=('test' if args.split == 'val' else 'train', ))
    except FileNotFoundError as err:
        raise SystemExit(f'score_reliability: error: {err}') from None
    model = init_detector_or_exit(cfg, args.checkpoint, args.config,
                                  args.device)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    dataset, pipeline = split_dataset(cfg, args.split)
    scores, labels = labelled_final_detections(model.eval(), pipeline,
                                               dataset)
    counted = scores >= args.min_score
    figures = summarize(scores[counted].numpy(), labels[counted].numpy(),
                        args.bins, args.thr)
    print(f'{args.split} split, {len(dataset)} pictures, detections scoring '
          f'>= {args.min_score}:')
    print('\n'.join(table_lines(figures)))
    if args.json:
        record = dict(config=args.config, checkpoint=args.checkpoint,
                      split=args.split, pictures=len(dataset),
                      min_score=args.min_score, figures=figures)
        try:
            dump_json_atomic(record, args.json)
        except OutputWriteError as err:
            raise SystemExit(f'score_reliability: error: {err}') from None
    return 0


if __name__ == '__main__':
    sys.exit(main())
