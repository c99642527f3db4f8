"""Command-line pieces shared by ``tools/train.py``, ``tools/test.py`` and
``tools/infer.py``."""
import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): Gets the arguments.
    """
    parser.add_argument('--work-dir', help='where logs and outputs go')
    add_cfg_options_arg(parser)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    # torchrun passes --local-rank; older launchers --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def add_cfg_options_arg(parser: argparse.ArgumentParser) -> None:
    """Add mmdet's ``--cfg-options KEY=VALUE ...`` (mmengine's
    ``DictAction``), which :func:`load_config` merges into the config.

    Args:
        parser (argparse.ArgumentParser): Gets the argument.
    """
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
        help='override settings of the config, as in mmdet\'s tools, e.g. '
        'model.test_cfg.rcnn.score_thr=0.3 model.verifier.cascade_thr=-1')


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """The config file ``path`` with ``--cfg-options`` merged in.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): Parsed ``--cfg-options``, dotted keys
            (``Config.merge_from_dict``). Defaults to None.

    Returns:
        Config: The config.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def load_runner_cfg(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with the shared arguments applied.

    ``work_dir`` defaults to ``./work_dirs/<config name>`` as in mmdet; a
    relative ``pr_curve_file`` of the val and test evaluators is placed in
    it, and so is ``roc_curve_file`` (see :func:`place_outputs_in_work_dir`).

    Args:
        args (argparse.Namespace): Parsed arguments of :func:`add_runner_args`
            plus ``config``.

    Returns:
        Config: The config, ready for ``Runner.from_cfg``.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    place_outputs_in_work_dir(cfg)
    return cfg


#: Evaluator settings naming a figure file: WiderFaceMetric's PR curves,
#: FDDBMetric's ROC.
CURVE_FILE_KEYS = ('pr_curve_file', 'roc_curve_file')


def place_outputs_in_work_dir(cfg: Config) -> None:
    """Join each evaluator's relative :data:`CURVE_FILE_KEYS` to ``work_dir``.

    So the curves of a run land beside its logs and checkpoints, wherever
    ``--work-dir`` puts them (as mmdet's visualization hook does with a
    relative ``test_out_dir``); an absolute path is kept.

    Args:
        cfg (Config): The run's config, with ``work_dir`` set; its
            ``val_evaluator`` and ``test_evaluator`` (a dict or a list of
            them) are changed in place.
    """
    for key in ('val_evaluator', 'test_evaluator'):
        evaluators = cfg.get(key)
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        for evaluator in evaluators or ():
            for name in CURVE_FILE_KEYS:
                curve = evaluator.get(name)
                if curve and not osp.isabs(curve):
                    evaluator[name] = osp.join(cfg.work_dir, curve)


def init_dist_without_gpu(cfg: Config) -> None:
    """Start the process group of a torchrun launch on a machine without GPU.

    mmengine 0.10.7's pytorch launcher calls ``torch.cuda.set_device``, which
    fails without CUDA, and the Runner uses a process group that is already
    started; DDP wraps a CPU model only without ``device_ids``. Does nothing
    unless ``cfg.launcher == 'pytorch'`` and CUDA is unavailable.

    Args:
        cfg (Config): The run's config; ``model_wrapper_cfg`` is set.
    """
    if cfg.launcher != 'pytorch' or torch.cuda.is_available():
        return
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    torch.distributed.init_process_group(
        backend=dist_cfg.get('backend', 'gloo'))
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper


#: Inference backends of ``tools/test.py`` and ``tools/infer.py``.
BACKENDS = ('pytorch', 'onnxruntime')


def add_inference_args(parser: argparse.ArgumentParser) -> None:
    """Add the backend and speed options of ``tools/test.py``/``infer.py``.

    ``--backend {pytorch,onnxruntime}``, ``--onnx FILE``,
    ``--fuse-conv-bn``, ``--channels-last``, ``--threads N`` and ``--tta``
    (:mod:`mmfacerfcn.utils.tta`).

    Args:
        parser (argparse.ArgumentParser): Gets the arguments.
    """
    parser.add_argument(
        '--backend', choices=BACKENDS, default='pytorch',
        help='pytorch (eager, the checkpoint) or onnxruntime (the --onnx '
        'file written by tools/deployment/export_onnx.py from this config)')
    parser.add_argument('--onnx', help='ONNX file for --backend onnxruntime')
    add_speedup_args(parser, 'pytorch')
    parser.add_argument(
        '--threads', type=int,
        help='CPU threads of torch (pytorch) or onnxruntime\'s intra-op '
        'pool (default: each library\'s own choice)')
    parser.add_argument(
        '--tta', action='store_true',
        help='pytorch: multi-scale + flip testing with the config\'s '
        'tta_pipeline, merged by its tta_model (NMS)')


def add_speedup_args(parser: argparse.ArgumentParser, applies_to: str) -> None:
    """Add ``--fuse-conv-bn`` and ``--channels-last`` (see
    :func:`mmfacerfcn.engine.prepare_for_inference`).

    Args:
        parser (argparse.ArgumentParser): Gets the arguments.
        applies_to (str): What they act on, the start of their help.
    """
    parser.add_argument(
        '--fuse-conv-bn', action='store_true',
        help=f'{applies_to}: fold BatchNorm into the convolutions before it')
    parser.add_argument(
        '--channels-last', action='store_true',
        help=f'{applies_to}: keep convolution weights and outputs '
        'channels-last')


def check_inference_args(args: argparse.Namespace) -> Optional[str]:
    """Check the combination of :func:`add_inference_args`' options.

    Args:
        args (argparse.Namespace): With those options, and ``checkpoint``
            (may be None with onnxruntime).

    Returns:
        str | None: The error (for ``parser.error``), or None when the
        options fit.
    """
    if args.threads is not None and args.threads < 1:
        return f'--threads {args.threads}: must be >= 1'
    if args.backend == 'onnxruntime':
        if not args.onnx:
            return ('--backend onnxruntime needs --onnx FILE '
                    '(tools/deployment/export_onnx.py writes it)')
        flags = [f for f, on in (('--fuse-conv-bn', args.fuse_conv_bn),
                                 ('--channels-last', args.channels_last)) if on]
        if flags:
            return (f'{" and ".join(flags)}: PyTorch options; '
                    'onnxruntime optimises the graph itself')
        if args.tta:
            return '--tta runs the PyTorch model only'
        return None
    if args.onnx:
        return '--onnx needs --backend onnxruntime'
    return None
