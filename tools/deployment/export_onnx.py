"""Export a Face R-FCN detector, whole, to ONNX.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx
        [--opset 18] [--dynamic-batch] [--allow-partial-checkpoint]
        [--cfg-options KEY=VALUE ...]

The graph (:class:`mmfacerfcn.deployment.ONNXFaceRFCN`) runs everything
after the test pipeline's resize: normalisation, backbone, RPN with its
top-k, decoding and NMS, res5 and the score maps, PS RoI align, the vote,
box decoding and the final NMS, in standard ONNX operators only. Inputs:

- ``images`` float32 (B, 3, H, W): pixels 0-255 in the pipeline's channel
  order (BGR), resized as the config's test pipeline does, each image at the
  top left; H and W are dynamic (any size; padding to the preprocessor's
  divisor happens inside);
- ``img_shapes`` int64 (B, 2): each image's resized ``(h, w)``.

Outputs: ``dets`` (N, 5) ``(x1, y1, x2, y2, score)`` in resized pixels,
``labels`` (N,) and ``batch_idx`` (N,). B is 1 unless ``--dynamic-batch``.

The file is checked with ``onnx.checker`` (full check) and for operators
outside ONNX's own domains, loaded and run once in onnxruntime, and written
in one piece (no external data file); the export time and size are printed.
The config's test-time settings (data preprocessor, ``test_cfg``, classes)
go into the file's metadata, where ``--backend onnxruntime`` of
``tools/test.py`` and ``tools/infer.py`` checks its config against them:
settings changed with ``--cfg-options`` here must be given to them too.
"""
import argparse
import os
import os.path as osp
import sys
import time

REQUIREMENTS = 'requirements/deploy.txt'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a Face R-FCN detector, whole, to ONNX')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    # Resolved after the requirements check, which must not wait for the
    # import of mmdet that mmfacerfcn.deployment brings.
    parser.add_argument('--opset', type=int, default=None,
                        help='ONNX opset (default: '
                        'mmfacerfcn.deployment.DEFAULT_OPSET, 18; at least 16, '
                        'for GridSample)')
    parser.add_argument('--dynamic-batch', action='store_true',
                        help='dynamic batch size (default: one image)')
    from mmfacerfcn.utils.checkpoint_fit import add_partial_checkpoint_arg
    from mmfacerfcn.utils.runner_cli import add_cfg_options_arg
    add_partial_checkpoint_arg(parser)
    add_cfg_options_arg(parser)
    return parser.parse_args(argv)


def check_deploy_requirements() -> None:
    """Exit naming the install command when an export package is missing."""
    missing = []
    for name in ('onnx', 'onnxscript', 'onnxruntime'):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise SystemExit(f'export_onnx: error: {", ".join(missing)} not '
                         f'installed: pip install -r {REQUIREMENTS}')


def main(argv=None) -> int:
    args = parse_args(argv)
    check_deploy_requirements()
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            raise SystemExit(f'export_onnx: error: {path}: no such file')

    import numpy as np
    import onnxruntime as ort
    import torch

    from mmfacerfcn import register_all_modules
    from mmfacerfcn.deployment import (
        DEFAULT_OPSET,
        MIN_OPSET,
        NotExportableError,
        ONNXFaceRFCN,
        check_onnx_file,
        config_signature,
        example_inputs,
        export_onnx,
        file_size_mib,
        open_session,
    )
    from mmfacerfcn.utils.checkpoint_files import temporary_name
    from mmfacerfcn.utils.checkpoint_fit import init_detector_or_exit
    from mmfacerfcn.utils.output_paths import (
        OutputPathError,
        check_output_not_input,
        check_output_writable,
        replace_atomically,
    )
    from mmfacerfcn.utils.runner_cli import load_config

    if args.opset is None:
        args.opset = DEFAULT_OPSET
    if args.opset < MIN_OPSET:
        raise SystemExit(f'export_onnx: error: --opset {args.opset}: PS RoI '
                         f'align needs GridSample, in ONNX from opset '
                         f'{MIN_OPSET}')
    try:
        check_output_not_input(args.out, [args.config, args.checkpoint])
        check_output_writable(args.out)
    except OutputPathError as err:
        raise SystemExit(f'export_onnx: error: {err}') from None

    register_all_modules()  # also for a config without custom_imports
    cfg = load_config(args.config, args.cfg_options)
    # mmengine's loader: weights_only for local files, numpy's types allowed
    # by register_all_modules (as tools/infer.py loads).
    detector = init_detector_or_exit(cfg, args.checkpoint, args.config, 'cpu',
                                     args.allow_partial_checkpoint)
    try:
        model = ONNXFaceRFCN(detector)
    except NotExportableError as err:
        raise SystemExit(f'export_onnx: error: {args.config}: cannot be '
                         f'exported: {err}') from None

    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    tmp = temporary_name(args.out)
    try:
        start = time.perf_counter()
        export_onnx(model, tmp, opset=args.opset,
                    dynamic_batch=args.dynamic_batch,
                    signature=config_signature(cfg))
        seconds = time.perf_counter() - start
        try:
            check_onnx_file(tmp)
        except Exception as err:
            raise SystemExit(f'export_onnx: error: the exported graph fails '
                             f'its check: {err}') from None
        # A smoke run: onnxruntime builds every kernel and runs the graph.
        # open_session also checks the graph's inputs and outputs.
        try:
            session = open_session(tmp, 'cpu')
        except ValueError as err:
            raise SystemExit(f'export_onnx: error: the exported graph does '
                             f'not run in onnxruntime: {err}') from None
        images, img_shapes = example_inputs()
        run_start = time.perf_counter()
        dets = session.run(None, dict(images=images.numpy(),
                                      img_shapes=img_shapes.numpy()))[0]
        run_ms = (time.perf_counter() - run_start) * 1e3
        if not (dets.ndim == 2 and dets.shape[1] == 5
                and np.isfinite(dets).all()):
            raise SystemExit(
                f'export_onnx: error: onnxruntime returned dets of shape '
                f'{dets.shape} (finite: {bool(np.isfinite(dets).all())}), '
                'not (N, 5) finite values; the file is not written')
        replace_atomically(tmp, args.out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    size = file_size_mib(args.out)
    print(f'{args.out}: exported in {seconds:.1f} s, {size:.1f} MiB, opset '
          f'{args.opset}, batch '
          f'{"dynamic" if args.dynamic_batch else 1}, height and width '
          f'dynamic; onnx.checker passed, standard operators only; '
          f'onnxruntime ran a {images.shape[2]}x{images.shape[3]} image in '
          f'{run_ms:.0f} ms (torch {torch.__version__}, onnxruntime '
          f'{ort.__version__})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
