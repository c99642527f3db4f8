"""When the RoI classifier starts to learn, and what an iteration costs.

    python tools/analysis_tools/roi_learning_curve.py WORK_DIR [--prior 75]
        [--margin 5] [--json OUT]

Reads the ``vis_data/scalars.json`` that a training run wrote under
``WORK_DIR/<timestamp>/`` (the newest run that logged training iterations)
and prints:

- the **onset**: the first logged iteration whose RoI accuracy ``acc`` is at
  least ``prior + margin`` percent. Before it the classifier predicts the
  sampler's background share (75% for the 1:3 samplers of our configs) and
  nothing else; ``never`` if it stays below for the whole run;
- seconds per iteration (median of the logged ``time``; mmengine averages it
  over the log processor's window) and the data-loading share;
- ``acc``, ``loss_cls`` and ``loss_rpn_cls`` at the first and last log line;
- the last validation's WIDER FACE AP, if the run validated.

The onset is only as fine as the logging interval, and ``acc`` is averaged
over the log processor's window: the sample configs log every 10 iterations
with a window of 10, so each line is the mean of its own 10 iterations.
"""
import argparse
import glob
import json
import os.path as osp
import statistics
import sys
from typing import Dict, List, Optional


def read_scalars(work_dir: str) -> List[Dict]:
    """The records of the newest run in ``work_dir`` that trained.

    Args:
        work_dir (str): A ``--work-dir`` of tools/train.py.

    Returns:
        list[dict]: One record per logged line (train and val alike).

    Raises:
        FileNotFoundError: No run under ``work_dir`` logged a training line.
    """
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    for path in reversed(paths):
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
        if any('acc' in r for r in records):
            return records
    raise FileNotFoundError(
        f'{work_dir}: no */vis_data/scalars.json with training lines (acc)')


def summarize(records: List[Dict], prior: float = 75.0,
              margin: float = 5.0) -> Dict:
    """The figures this tool prints, from the records of one run.

    Args:
        records (list[dict]): From :func:`read_scalars`.
        prior (float): The sampler's background share, in percent.
        margin (float): Points above ``prior`` that count as learning.

    Returns:
        dict: ``onset_iter`` (int or None), ``iters``, ``s_per_iter``,
        ``data_share``, ``first``/``last`` (``acc``, ``loss_cls``,
        ``loss_rpn_cls``) and ``ap`` (subset to AP, empty without
        validation).
    """
    train = [r for r in records if 'acc' in r]
    onset: Optional[int] = next(
        (r['iter'] for r in train if r['acc'] >= prior + margin), None)
    times = [r['time'] for r in train if 'time' in r]
    data = [r['data_time'] for r in train if 'data_time' in r]
    keys = ('acc', 'loss_cls', 'loss_rpn_cls')
    val = [r for r in records if 'wider_face/easy' in r]
    return dict(
        onset_iter=onset,
        iters=train[-1]['iter'],
        s_per_iter=statistics.median(times) if times else None,
        data_share=(sum(data) / sum(times)) if data and sum(times) else None,
        first={k: train[0].get(k) for k in keys},
        last={k: train[-1].get(k) for k in keys},
        ap={s: val[-1][f'wider_face/{s}'] for s in ('easy', 'medium', 'hard')}
        if val else {})


def format_summary(work_dir: str, s: Dict, prior: float,
                   margin: float) -> str:
    """Human-readable lines of :func:`summarize`'s figures."""
    def fmt(v):
        return 'n/a' if v is None else f'{v:.3f}'

    onset = 'never' if s['onset_iter'] is None else str(s['onset_iter'])
    lines = [
        f'{work_dir}: {s["iters"]} iterations',
        f'  RoI acc >= {prior + margin:g}% (prior {prior:g}%) from iteration '
        f'{onset}',
        f'  s/iter {fmt(s["s_per_iter"])} (data loading '
        f'{fmt(s["data_share"])} of it)',
    ]
    for when in ('first', 'last'):
        lines.append(f'  {when:5s} ' + ', '.join(
            f'{k} {fmt(v)}' for k, v in s[when].items()))
    if s['ap']:
        lines.append('  val AP ' + ' / '.join(
            f'{k} {v:.4f}' for k, v in s['ap'].items()))
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Print the summary of each work dir.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv`` if None.

    Returns:
        int: 0, or 1 if a work dir holds no training log.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--prior', type=float, default=75.0,
                        help='background share of the RoI sampler, percent')
    parser.add_argument('--margin', type=float, default=5.0)
    parser.add_argument('--json', help='also write the figures here')
    args = parser.parse_args(argv)
    out = {}
    for work_dir in args.work_dirs:
        try:
            summary = summarize(read_scalars(work_dir), args.prior, args.margin)
        except FileNotFoundError as e:
            print(f'roi_learning_curve: error: {e}', file=sys.stderr)
            return 1
        out[work_dir] = summary
        print(format_summary(work_dir, summary, args.prior, args.margin))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
