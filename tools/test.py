"""Test a detector checkpoint with mmengine's Runner.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl]
        [--allow-partial-checkpoint]
    mim test mmfacerfcn CONFIG --checkpoint CHECKPOINT

A checkpoint that lacks weights of the config's model, or holds them with
other shapes, is an error naming the first such keys (mmengine would test the
randomly initialised rest), unless ``--allow-partial-checkpoint``.
"""
import argparse

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmfacerfcn.utils.checkpoint_files import exit_unless_checkpoint_complete
from mmfacerfcn.utils.checkpoint_fit import (
    add_partial_checkpoint_arg,
    exit_unless_checkpoint_fits,
)
from mmfacerfcn.utils.preflight import check_data
from mmfacerfcn.utils.runner_cli import (
    add_runner_args,
    init_dist_without_gpu,
    load_runner_cfg,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump predictions to this .pkl file')
    parser.add_argument('--show-dir', help='draw detections into this folder')
    parser.add_argument(
        '--tta', action='store_true',
        help='multi-scale + flip testing with the config\'s tta_pipeline, '
        'merged by its tta_model (NMS)')
    add_partial_checkpoint_arg(parser)
    add_runner_args(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_runner_cfg(args)
    init_dist_without_gpu(cfg)
    exit_unless_checkpoint_complete(args.checkpoint)
    cfg.load_from = args.checkpoint
    if args.show_dir:
        vis = cfg.default_hooks.visualization
        vis.draw = True
        vis.test_out_dir = args.show_dir
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise SystemExit('--out must be a .pkl file')
        cfg.test_evaluator = [cfg.test_evaluator] if isinstance(
            cfg.test_evaluator, dict) else list(cfg.test_evaluator)
        cfg.test_evaluator.append(
            dict(type='DumpDetResults', out_file_path=args.out))
    if args.tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise SystemExit(f'{args.config} defines no tta_model/tta_pipeline')
        cfg.model = dict(cfg.tta_model, module=cfg.model)
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    check_data(cfg, splits=('test', ))
    runner = (Runner.from_cfg(cfg) if 'runner_type' not in cfg else
              RUNNERS.build(cfg))
    exit_unless_checkpoint_fits(runner.model, args.checkpoint, args.config,
                                args.allow_partial_checkpoint)
    runner.test()


if __name__ == '__main__':
    main()
