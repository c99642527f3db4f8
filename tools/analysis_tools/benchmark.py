"""Face R-FCN against Faster R-CNN C4, side by side in one run: where the time goes.

    python tools/analysis_tools/benchmark.py --json work_dirs/benchmark_cpu.json
    python tools/analysis_tools/benchmark.py --device cuda --amp \
        --json work_dirs/benchmark_cuda.json

Options: ``--configs RFCN FASTER`` (default: configs/face_rfcn_r101_wider.py and
configs/faster_rcnn/faster_rcnn_r101_c4_wider.py; the first must be an R-FCN
config), ``--img`` (default: matplotlib's grace_hopper.jpg), ``--rois 300 1000``,
``--warmup 1``, ``--repeats 3``, ``--train-batch 2``, ``--train-iters 3``,
``--skip-train``, ``--fuse-conv-bn`` and ``--channels-last`` (Face R-FCN's
inference only; Faster R-CNN runs as its config ships, and the JSON's
``rfcn_inference`` says which were on), ``--scale LONG SHORT`` (replace the
test pipeline's Resize scale, e.g. for quick runs), ``--threads N`` (torch
CPU threads; on a machine where something else runs, fewer threads than
cores avoid OpenMP oversubscription, which can slow CPU figures down
tenfold), ``--seed 0``.

Both models have random weights (``Pretrained`` init dropped, nothing is
downloaded); speed does not depend on the weights. The image goes through each
config's own test pipeline (WIDER: short side 1024, long side <= 1600) and the
data preprocessor once; the figures below exclude that.

Inference (``model.eval()``, no grad), per RoI count N, median of ``--repeats``
runs after ``--warmup``:

- ``backbone``: ``model.extract_feat`` (conv1..conv4).
- ``rpn``: ``rpn_head.predict`` (its ``max_per_img`` raised to the largest N).
- ``shared``: R-FCN's whole-image part, ``roi_head.score_maps`` (dilated res5,
  1x1 reduction, PS score maps); 0 for Faster R-CNN C4, which has none.
- ``per_roi``: what runs per RoI, up to NMS. R-FCN: ``StandardRoIHead.predict``
  on precomputed score maps (PS pooling, vote, decoding, NMS); Faster R-CNN:
  ``roi_head.predict`` (RoIAlign, res5 on every RoI, fc, decoding, NMS).
- ``total``: backbone, RPN and RoI head in one go, no per-stage sync.

Both models get the SAME N proposals: the N best of Face R-FCN's RPN on the
image, padded with seeded random boxes inside the image when its RPN (random
weights) yields fewer (see ``mmfacerfcn.testing.benchmark.fixed_proposals``).
``rois_used`` records what each RoI head got; ``rpn_proposals`` what the RPN
gave (at most the largest N: its ``max_per_img``).

``ps_roi``: PS RoI pooling alone on score maps of this image's size, each
backend plus the naive loop reference (as tools/analysis_tools/benchmark_ps_roi.py).

``train``: one training iteration (``model.loss``, ``parse_losses``, backward,
SGD step) on ``--train-batch`` copies of the image with three face boxes,
median of ``--train-iters`` after one warm-up, each model in a fresh process
(forked from a forkserver that has only imported the helpers), and images per
second from it. Peak memory: CUDA ``max_memory_allocated``; CPU the child's
peak RSS (``VmHWM``, the whole process: interpreter, libraries, model,
training; ``rss_before_train_mib`` is its RSS before the first iteration).
Not ``ru_maxrss``: a spawned child's starts at its parent's RSS on Linux.
Memory after each timed iteration (CUDA ``memory_allocated``, CPU RSS) and
its growth over them: flat when nothing is kept from one iteration to the
next (run more ``--train-iters`` to see it over longer).

``--amp``: fp16 autocast on CUDA (GradScaler for training). On CPU it is off
(mmcv's CPU RoIAlign, Faster R-CNN's extractor, has no bf16 kernel); the JSON
``amp`` field says which ran.

JSON (``--json``)::

    {device, torch, amp, threads, image: [h, w],
     rfcn_inference: {fuse_conv_bn, channels_last},
     inference: [{config, rois, total_ms, backbone_ms, rpn_ms, shared_ms,
                  per_roi_ms, roi_head_share, rois_used, rpn_proposals}],
     ratios: [{rois, faster_over_rfcn}],
     goals: [{goal, value, met, value_text}],
     ps_roi: {device, k, map, timings: [...], naive_reference_ms_per_roi},
     train: [{config, iter_ms, img_per_s, peak_mem_mib, batch, mem_kind,
              rss_before_train_mib, mem_after_iter_mib, mem_growth_mib}]}

Goals (issue 7; printed, never fatal): Faster R-CNN / Face R-FCN >= 7x at 1000
RoIs and >= 2.5x at 300; Face R-FCN's per-RoI share < 5% of its total; on
CUDA, Face R-FCN's training peak (batch 2 at the WIDER scale) < 16 GB.
"""
import argparse
import json
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Sequence

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmengine.structures import InstanceData

from mmfacerfcn.engine import prepare_for_inference
from mmfacerfcn.testing.benchmark import (
    amp_context,
    amp_name,
    build_random_model,
    config_name,
    default_image,
    fixed_proposals,
    load_benchmark_cfg,
    load_test_image,
    measure_training_in_child,
    ps_roi_lines,
    ps_roi_timings,
    timed,
)
from mmfacerfcn.testing.configs import CONFIGS
from mmfacerfcn.utils.runner_cli import add_speedup_args

DEFAULT_CONFIGS = [
    osp.join(CONFIGS, 'face_rfcn_r101_wider.py'),
    osp.join(CONFIGS, 'faster_rcnn', 'faster_rcnn_r101_c4_wider.py'),
]
RATIO_GOALS = {1000: 7.0, 300: 2.5}  # Faster R-CNN / Face R-FCN, at N RoIs
ROI_SHARE_GOAL = 0.05  # Face R-FCN's per-RoI time / total
TRAIN_PEAK_GOAL_MIB = 16e9 / 2**20  # 16 GB: Face R-FCN training on CUDA
# How each kind of figure is written (str.format templates).
RATIO_FORMAT = '{:.2f}x'
SHARE_FORMAT = '{:.1%}'
MIB_FORMAT = '{:.0f} MiB'


@dataclass(frozen=True)
class Goal:
    """One of issue 7's targets against its measured figure.

    Args:
        goal (str): The target in words, e.g. ``'Face R-FCN RoI head < 5% of
            total at 300 RoIs'``.
        value (float): The measured figure.
        met (bool): Whether the figure reaches the target.
        value_format (str): How the figure is written: a ``str.format``
            template such as :data:`RATIO_FORMAT`.
    """
    goal: str
    value: float
    met: bool
    value_format: str

    @property
    def value_text(self) -> str:
        """The figure as the report writes it, e.g. ``'3.21x'``."""
        return self.value_format.format(self.value)

    def to_json(self) -> Dict:
        """``goal``, ``value``, ``met`` and ``value_text``, for the JSON."""
        return dict(goal=self.goal, value=self.value, met=self.met,
                    value_text=self.value_text)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs=2, default=DEFAULT_CONFIGS,
                        metavar=('RFCN', 'FASTER'),
                        help='Face R-FCN config, then Faster R-CNN C4 config')
    parser.add_argument('--img', help='image (default: matplotlib\'s '
                        'sample_data/grace_hopper.jpg)')
    parser.add_argument('--rois', type=int, nargs='+', default=[300, 1000])
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument('--amp', action='store_true',
                        help='fp16 autocast on CUDA (off on CPU)')
    parser.add_argument('--train-batch', type=int, default=2)
    parser.add_argument('--train-iters', type=int, default=3)
    parser.add_argument('--skip-train', action='store_true')
    parser.add_argument('--scale', type=int, nargs=2, metavar=('LONG', 'SHORT'),
                        help='Resize scale of the test pipeline instead of '
                        'the config\'s')
    parser.add_argument('--threads', type=int,
                        help='torch CPU threads (default: torch\'s choice)')
    parser.add_argument('--seed', type=int, default=0)
    add_speedup_args(parser, 'Face R-FCN only (inference)')
    parser.add_argument('--json', help='also write the figures here')
    return parser.parse_args()


def make_proposals(model: torch.nn.Module, feats: Sequence[torch.Tensor],
                   data_samples: List, rois: Sequence[int],
                   seed: int) -> Dict[int, InstanceData]:
    """N proposals per N from ``model``'s RPN, padded where it gives fewer.

    Args:
        model (nn.Module): Detector in eval mode, RPN ``max_per_img`` >= N.
        feats (Sequence[Tensor]): ``model.extract_feat`` of the image.
        data_samples (list[DetDataSample]): The image's one sample.
        rois (Sequence[int]): The counts N.
        seed (int): Seed of the padding boxes.

    Returns:
        dict: N -> InstanceData with N boxes; also key ``'rpn'``: how many
        proposals the RPN itself gave.
    """
    rpn = model.rpn_head.predict(feats, data_samples, rescale=False)[0]
    img_shape = data_samples[0].img_shape
    sets = {n: fixed_proposals(rpn, n, img_shape, seed) for n in rois}
    sets['rpn'] = len(rpn)
    return sets


def time_inference(model: torch.nn.Module, data: Dict,
                   proposals: Dict[int, InstanceData], rois: Sequence[int],
                   device: str, repeats: int, warmup: int) -> List[Dict]:
    """Stage and end-to-end times of one model, one row per RoI count.

    Call under ``torch.set_grad_enabled(False)`` (and autocast if wanted).
    Backbone, RPN and shared times do not depend on N and are taken once.

    Args:
        model (nn.Module): Detector in eval mode; with ``roi_head.score_maps``
            it is timed as R-FCN, else as Faster R-CNN C4.
        data (dict): Preprocessed ``inputs`` (1, 3, H, W) and
            ``data_samples``.
        proposals (dict): From :func:`make_proposals`.
        rois (Sequence[int]): The counts N.
        device (str): For CUDA synchronisation.
        repeats (int): Timed runs (median).
        warmup (int): Untimed runs first.

    Returns:
        list[dict]: ``rois``, ``total_ms``, ``backbone_ms``, ``rpn_ms``,
        ``shared_ms``, ``per_roi_ms``, ``roi_head_share``, ``rois_used``,
        ``rpn_proposals``.
    """
    inputs, samples = data['inputs'], data['data_samples']
    head = model.roi_head
    rfcn = hasattr(head, 'score_maps')

    def t(fn):
        return timed(fn, device, repeats, warmup)

    x = model.extract_feat(inputs)
    backbone_ms = t(lambda: model.extract_feat(inputs))
    rpn_ms = t(lambda: model.rpn_head.predict(x, samples, rescale=False))
    if rfcn:
        maps = head.score_maps(x)
        shared_ms = t(lambda: head.score_maps(x))
    else:
        shared_ms = 0.0
    rows = []
    for n in rois:
        props = [proposals[n]]
        if rfcn:
            # StandardRoIHead.predict skips RFCNRoIHead's score_maps call.
            def per_roi():
                return StandardRoIHead.predict(head, maps, props, samples,
                                               rescale=True)
        else:
            def per_roi():
                return head.predict(x, props, samples, rescale=True)

        def end_to_end():
            feats = model.extract_feat(inputs)
            # Runs for its cost; the RoI head gets the fixed N proposals.
            model.rpn_head.predict(feats, samples, rescale=False)
            return head.predict(feats, props, samples, rescale=True)

        per_roi_ms = t(per_roi)
        total_ms = t(end_to_end)
        rows.append(dict(
            rois=n, total_ms=total_ms, backbone_ms=backbone_ms, rpn_ms=rpn_ms,
            shared_ms=shared_ms, per_roi_ms=per_roi_ms,
            roi_head_share=per_roi_ms / total_ms,
            rois_used=len(props[0].bboxes), rpn_proposals=proposals['rpn']))
    return rows


def goals(results: Dict) -> List[Goal]:
    """Issue 7's targets against the measured figures.

    Args:
        results (dict): With ``inference`` (R-FCN rows first) and ``ratios``.

    Returns:
        list[Goal]: the ratio goals at the counts measured, the RoI-head
        share at every count and, with ``train`` rows measured on CUDA, Face
        R-FCN's training peak (the CPU figure is the whole process's RSS,
        not comparable).
    """
    out = []
    for ratio in results['ratios']:
        target = RATIO_GOALS.get(ratio['rois'])
        if target is not None:
            out.append(Goal(
                goal=f'Faster R-CNN / Face R-FCN >= {target}x at '
                f'{ratio["rois"]} RoIs',
                value=ratio['faster_over_rfcn'],
                met=ratio['faster_over_rfcn'] >= target,
                value_format=RATIO_FORMAT))
    rfcn = results['inference'][0]['config']
    for row in results['inference']:
        if row['config'] == rfcn:
            out.append(Goal(
                goal=f'Face R-FCN RoI head < {ROI_SHARE_GOAL:.0%} of total at '
                f'{row["rois"]} RoIs',
                value=row['roi_head_share'],
                met=row['roi_head_share'] < ROI_SHARE_GOAL,
                value_format=SHARE_FORMAT))
    for row in results.get('train', []):
        if row['config'] == rfcn and row['mem_kind'].startswith('cuda'):
            out.append(Goal(
                goal=f'Face R-FCN training peak (batch {row["batch"]}) < '
                f'{TRAIN_PEAK_GOAL_MIB:.0f} MiB (16 GB)',
                value=row['peak_mem_mib'],
                met=row['peak_mem_mib'] < TRAIN_PEAK_GOAL_MIB,
                value_format=MIB_FORMAT))
    return out


def report(results: Dict, args: argparse.Namespace) -> str:
    """The figures as a readable table.

    Args:
        results (dict): The JSON's content.
        args (argparse.Namespace): For the run's settings.

    Returns:
        str: Lines for the terminal.
    """
    h, w = results['image']
    speedups = [name for name, on in results.get('rfcn_inference', {}).items()
                if on]
    lines = [
        f'Inference per image ({h} x {w}, {results["device"]}, amp '
        f'{results["amp"]}, {results["threads"]} threads, median of '
        f'{args.repeats} after {args.warmup} warm-up), ms; Face R-FCN with '
        f'{", ".join(speedups) or "no inference speed-up"}',
        f'{"config":<32}{"rois":>6}{"total":>10}{"backbone":>10}{"rpn":>9}'
        f'{"shared":>9}{"per-RoI":>10}{"RoI share":>10}{"used":>6}'
    ]
    for r in results['inference']:
        lines.append(
            f'{r["config"]:<32}{r["rois"]:>6}{r["total_ms"]:>10.1f}'
            f'{r["backbone_ms"]:>10.1f}{r["rpn_ms"]:>9.1f}'
            f'{r["shared_ms"]:>9.1f}{r["per_roi_ms"]:>10.1f}'
            f'{r["roi_head_share"]:>10.1%}{r["rois_used"]:>6}')
    rpn = results['inference'][0]['rpn_proposals']
    if rpn < max(args.rois):
        lines.append(f'(the RPN gave {rpn} proposals; the rest are seeded '
                     'random boxes)')
    lines.append('')
    for r in results['ratios']:
        lines.append(f'Faster R-CNN / Face R-FCN at {r["rois"]:>5} RoIs: '
                     + RATIO_FORMAT.format(r['faster_over_rfcn']))
    for g in results['goals']:
        lines.append(f'goal: {g["goal"]}: {g["value_text"]} -> '
                     f'{"met" if g["met"] else "NOT met"}')
    lines += ['', 'PS RoI pooling alone, score maps '
              f'{results["ps_roi"]["map"]}, ms']
    lines += ps_roi_lines(results['ps_roi'])
    if results['train']:
        lines += ['', f'Training iteration (median of {args.train_iters} '
                  'after 1 warm-up)',
                  f'{"config":<32}{"batch":>6}{"iter ms":>10}{"img/s":>8}'
                  f'{"peak MiB":>10}{"growth":>8}  peak measured as']
        for r in results['train']:
            lines.append(f'{r["config"]:<32}{r["batch"]:>6}'
                         f'{r["iter_ms"]:>10.1f}{r["img_per_s"]:>8.2f}'
                         f'{r["peak_mem_mib"]:>10.0f}'
                         f'{r["mem_growth_mib"]:>+8.0f}  {r["mem_kind"]}')
        lines.append('growth: memory after the last timed iteration minus '
                     'after the first (MiB)')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.amp and amp_name(args.device, args.amp) == 'off':
        print('--amp: no autocast on CPU (mmcv\'s CPU RoIAlign has no bf16 '
              'kernel); running in fp32', flush=True)
    img = args.img or default_image()
    if not osp.isfile(img):
        raise SystemExit(f'{img}: image not found')
    results = dict(device=args.device, torch=torch.__version__,
                   amp=amp_name(args.device, args.amp),
                   threads=torch.get_num_threads(), image=None, inference=[],
                   ratios=[], goals=[], ps_roi=None, train=[],
                   rfcn_inference=dict(fuse_conv_bn=args.fuse_conv_bn,
                                       channels_last=args.channels_last))
    proposals, ps_args = None, None
    for i, config in enumerate(args.configs):
        print(f'inference: {config_name(config)}', flush=True)
        cfg = load_benchmark_cfg(config, args.scale, max(args.rois))
        torch.manual_seed(args.seed)
        model = build_random_model(cfg, args.device).eval()
        if i == 0 and not hasattr(model.roi_head, 'score_maps'):
            raise SystemExit(f'{config}: the first config must be Face R-FCN '
                             '(an RFCNRoIHead with score_maps)')
        if i == 0:
            prepare_for_inference(model, args.fuse_conv_bn, args.channels_last)
        with torch.set_grad_enabled(False), amp_context(args.device, args.amp):
            data = model.data_preprocessor(load_test_image(cfg, img), False)
            shape = list(data['data_samples'][0].img_shape)
            if results['image'] is None:
                results['image'] = shape
            elif shape != results['image']:
                raise SystemExit(f'the configs resize the image differently: '
                                 f'{results["image"]} and {shape}')
            if i == 0:  # Face R-FCN: the proposals and the PS map shape
                feats = model.extract_feat(data['inputs'])
                proposals = make_proposals(model, feats, data['data_samples'],
                                           args.rois, args.seed)
                maps = model.roi_head.score_maps(feats)[0]
                extractor = model.roi_head.bbox_roi_extractor
                k = extractor.output_size
                ps_args = dict(k=k, groups=maps.size(1) // k**2,
                               map_hw=tuple(maps.shape[-2:]),
                               stride=extractor.featmap_strides[0])
                del maps, feats
            rows = time_inference(model, data, proposals, args.rois,
                                  args.device, args.repeats, args.warmup)
        results['inference'] += [dict(config=config_name(config), **r)
                                 for r in rows]
        del model, data
    rfcn, faster = (results['inference'][:len(args.rois)],
                    results['inference'][len(args.rois):])
    results['ratios'] = [
        dict(rois=a['rois'], faster_over_rfcn=b['total_ms'] / a['total_ms'])
        for a, b in zip(rfcn, faster)
    ]

    print('PS RoI pooling', flush=True)
    results['ps_roi'] = ps_roi_timings(args.device, rois=args.rois,
                                       repeats=args.repeats,
                                       warmup=args.warmup, seed=args.seed,
                                       **ps_args)
    if not args.skip_train:
        for config in args.configs:
            print(f'training: {config_name(config)}', flush=True)
            row = measure_training_in_child(
                config=config, img_path=img, device=args.device, amp=args.amp,
                batch_size=args.train_batch, iters=args.train_iters,
                scale=args.scale, seed=args.seed, threads=args.threads)
            results['train'].append(dict(config=config_name(config), **row))
    results['goals'] = [g.to_json() for g in goals(results)]
    print(report(results, args))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
