"""Test a detector checkpoint with mmengine's Runner.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl]
        [--allow-partial-checkpoint] [--fuse-conv-bn] [--channels-last]
        [--threads N]
    python tools/test.py CONFIG --backend onnxruntime --onnx model.onnx
    mim test mmfacerfcn CONFIG --checkpoint CHECKPOINT

``--backend onnxruntime`` evaluates the file that
``tools/deployment/export_onnx.py`` wrote from CONFIG: the same dataloader,
pipeline and evaluator, the model replaced by
:class:`mmfacerfcn.deployment.ORTFaceRFCN` on the device the Runner uses
(onnxruntime's CUDA provider where CUDA is available and installed). A file
exported from a config with other test-time settings is refused, naming the
first one.
``--fuse-conv-bn`` and ``--channels-last`` speed up the PyTorch model
(:class:`mmfacerfcn.engine.FastInferenceHook`, after the checkpoint is
loaded).

A checkpoint that lacks weights of the config's model, or holds them with
other shapes, is an error naming the first such keys (mmengine would test the
randomly initialised rest), unless ``--allow-partial-checkpoint``.
"""
import argparse
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from torch import nn

from mmfacerfcn.utils.checkpoint_files import exit_unless_checkpoint_complete
from mmfacerfcn.utils.checkpoint_fit import (
    add_partial_checkpoint_arg,
    exit_unless_checkpoint_fits,
)
from mmfacerfcn.utils.preflight import check_data
from mmfacerfcn.utils.runner_cli import (
    add_inference_args,
    add_runner_args,
    check_inference_args,
    init_dist_without_gpu,
    load_runner_cfg,
)
from mmfacerfcn.utils.tta import use_tta_in_runner_cfg


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', nargs='?',
                        help='checkpoint file (not with --backend '
                        'onnxruntime)')
    parser.add_argument('--out', help='dump predictions to this .pkl file')
    parser.add_argument('--show-dir', help='draw detections into this folder')
    add_partial_checkpoint_arg(parser)
    add_inference_args(parser)
    add_runner_args(parser)
    args = parser.parse_args()
    error = check_inference_args(args)
    if error is None and args.backend == 'pytorch' and not args.checkpoint:
        error = 'CHECKPOINT is required with --backend pytorch'
    if error is None and args.backend == 'onnxruntime' and args.checkpoint:
        error = ('CHECKPOINT and --backend onnxruntime: the weights come '
                 'from --onnx; drop the checkpoint')
    if error:
        parser.error(error)
    return args


def use_onnxruntime(cfg: Config, args: argparse.Namespace) -> nn.Module:
    """The ``--onnx`` file run with onnxruntime, for the Runner to test.

    Its one onnxruntime session is opened here, on the device the Runner
    puts a model on (mmengine's ``get_device()``; ``'cuda'`` gives
    onnxruntime's CUDA provider where installed), and ``cfg.model`` becomes
    its :func:`~mmfacerfcn.deployment.ort_model_config`, so the config the
    Runner logs says what runs.

    Args:
        cfg (Config): The run's config; ``model`` is replaced.
        args (argparse.Namespace): With ``onnx``, ``config`` and ``threads``.

    Returns:
        ORTFaceRFCN: The model, for :func:`build_runner`.

    Raises:
        SystemExit: onnxruntime is missing, or the file is missing, not an
            export, or exported from other test-time settings.
    """
    from mmfacerfcn.deployment import (
        ORTDetectorError,
        build_ort_detector_from_config,
        ort_model_config,
    )
    model_cfg = ort_model_config(cfg, args.onnx, args.config,
                                 device=get_device(),
                                 num_threads=args.threads or 0)
    try:
        model = build_ort_detector_from_config(cfg, model_cfg)
    except ORTDetectorError as err:
        raise SystemExit(f'test: error: {err}') from None
    cfg.model = model_cfg
    return model


def build_runner(cfg: Config, model: Optional[nn.Module] = None) -> Runner:
    """The runner of ``cfg``: its ``runner_type``, else mmengine's ``Runner``.

    mmengine's ``Runner`` takes a built model, but ``Runner.from_cfg`` passes
    it ``cfg.model`` after a deep copy of the config, which an onnxruntime
    session cannot go through. So a built ``model`` is handed over by the
    runner class's ``build_model``, in a subclass made for this call.

    Args:
        cfg (Config): The run's config.
        model (nn.Module, optional): Already built: used instead of one built
            from ``cfg.model`` (which stays in the config, logged and
            dumped). Defaults to None.

    Returns:
        Runner: Of the config's runner class, or a subclass of it.
    """
    runner_type = cfg.get('runner_type', Runner)
    runner_cls = RUNNERS.get(runner_type) if isinstance(
        runner_type, str) else runner_type
    if runner_cls is None:
        raise KeyError(f'runner_type={runner_type!r}: not in the RUNNERS '
                       'registry')
    if model is None:
        return runner_cls.from_cfg(cfg)

    class RunnerWithBuiltModel(runner_cls):

        def build_model(self, model_cfg: object) -> nn.Module:
            return model

    return RunnerWithBuiltModel.from_cfg(cfg)


def main() -> None:
    args = parse_args()
    cfg = load_runner_cfg(args)
    init_dist_without_gpu(cfg)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    model = None
    if args.backend == 'onnxruntime':
        model = use_onnxruntime(cfg, args)
    else:
        exit_unless_checkpoint_complete(args.checkpoint)
        cfg.load_from = args.checkpoint
    if args.fuse_conv_bn or args.channels_last:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='FastInferenceHook', fuse=args.fuse_conv_bn,
                 channels_last=args.channels_last)]
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
        try:
            use_tta_in_runner_cfg(cfg, args.config)
        except ValueError as err:
            raise SystemExit(str(err)) from None
    check_data(cfg, splits=('test', ))
    runner = build_runner(cfg, model)
    if args.backend == 'pytorch':
        exit_unless_checkpoint_fits(runner.model, args.checkpoint,
                                    args.config, args.allow_partial_checkpoint)
    runner.test()


if __name__ == '__main__':
    main()
