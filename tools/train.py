"""Train a detector with mmengine's Runner (MMDetection's launcher, our configs).

    python tools/train.py configs/face_rfcn_r101_wider.py [--amp] [--resume]
"""
import argparse
from urllib.error import URLError

from mmengine.config import Config
from mmengine.registry import RUNNERS

from mmfacerfcn.engine.runner import SafeResumeRunner
from mmfacerfcn.utils.checkpoint_files import (
    CheckpointWriteError,
    IncompleteCheckpointError,
)
from mmfacerfcn.utils.preflight import check_data, missing_pretrained
from mmfacerfcn.utils.runner_cli import (
    add_runner_args,
    init_dist_without_gpu,
    load_runner_cfg,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the actual batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or (no value) from the latest '
        'checkpoint in the work dir')
    add_runner_args(parser)
    return parser.parse_args()


def build_cfg(args: argparse.Namespace) -> Config:
    """The config with the command line applied."""
    cfg = load_runner_cfg(args)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        # As mmdet's train.py: the config must say the batch its lr is for.
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise SystemExit(
                f'--auto-scale-lr: {args.config} has no auto_scale_lr.'
                'base_batch_size (the total batch its lr is set for), e.g. '
                'auto_scale_lr = dict(enable=False, base_batch_size=8)')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main() -> None:
    cfg = build_cfg(parse_args())
    init_dist_without_gpu(cfg)
    check_data(cfg, splits=('train', 'val'))
    # ImageNet weights come from the network on first use; say where they go,
    # and turn a failed download into a message naming the file to fetch.
    missing = missing_pretrained(cfg)
    for line in missing:
        print(f'pretrained weights not cached yet: {line}')
    # SafeResumeRunner: --resume must not run the config text a checkpoint
    # may carry (mmengine's Runner.resume executes meta['config']).
    runner = (SafeResumeRunner.from_cfg(cfg) if 'runner_type' not in cfg else
              RUNNERS.build(cfg))
    if cfg.get('resume') and not isinstance(runner, SafeResumeRunner):
        raise SystemExit(
            f'--resume needs a SafeResumeRunner (or a subclass); the config '
            f'sets runner_type={cfg.runner_type!r}, whose resume may execute '
            'text stored in the checkpoint')
    try:
        runner.train()
    except (IncompleteCheckpointError, CheckpointWriteError) as err:
        # A damaged checkpoint to load, or one that could not be written:
        # the message names the file; the traceback would only bury it.
        raise SystemExit(f'error: {err}') from err
    except URLError as err:
        if not missing:
            raise
        raise SystemExit(
            f'could not download pretrained weights ({err}). On a machine '
            'without internet access, fetch them elsewhere:\n  ' +
            '\n  '.join(missing) + '\nor train from scratch with '
            '--cfg-options model.backbone.init_cfg=None '
            'model.roi_head.shared_head.init_cfg=None') from err


if __name__ == '__main__':
    main()
