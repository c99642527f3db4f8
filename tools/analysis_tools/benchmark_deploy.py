"""PyTorch eager against the ONNX export in onnxruntime, side by side.

    python tools/analysis_tools/benchmark_deploy.py \
        --json work_dirs/benchmark_deploy.json

Options: ``--configs A [B ...]`` (default: the sample's R18 config and
configs/face_rfcn_r101_wider.py), ``--img`` (default: matplotlib's
grace_hopper.jpg), ``--scale LONG SHORT`` (the test Resize of every config;
default 1600 1024, WIDER FACE's test scale), ``--batches 1 4``,
``--repeats 3``, ``--warmup 1``, ``--threads N`` (torch's and onnxruntime's
intra-op threads; default: each library's own choice), ``--device``
(``cpu``, or ``cuda`` for PyTorch on CUDA and onnxruntime's CUDA provider
where installed), ``--seed 0``, ``--keep-onnx DIR`` (keep the exported
files there; default: a temporary folder), ``--checkpoints A [B ...]`` (one
per config, ``-`` for random weights; default: random weights for all).

For each config, a model with seeded random weights (``Pretrained`` init
dropped), or the weights of its checkpoint, is exported with
``tools/deployment/export_onnx.py``'s code (dynamic batch), timed and
weighed; then each batch size runs, ``B`` copies of the image through the
config's test pipeline, under three backends:

- ``eager``: ``model.test_step`` (data preprocessor and predict);
- ``eager-fast``: the same model with conv+BN fused and channels-last
  weights (``--fuse-conv-bn --channels-last`` of tools/test.py/infer.py);
- ``onnxruntime``: :class:`mmfacerfcn.deployment.ORTFaceRFCN`'s
  ``test_step``.

The convolutions cost the same whatever the weights; what the weights
change is the work after them: a trained model's crop verifier (unused
until it is trained: ``verifier.fitted``) reads every candidate that scores
above the RoI head's ``score_thr``, and how many do depends on the weights
and the picture. So the random-weight rows time the detector alone, and a
trained checkpoint's rows the whole predict path, verifier included
(``verifier`` in the JSON: whether it ran).

Each figure is the median of ``--repeats`` runs after ``--warmup``, in ms
per image (the batch's time over ``B``); ``vs_eager`` is eager's figure for
the same config and batch over the row's.

JSON (``--json``)::

    {device, torch, onnxruntime, threads, image: [h, w], providers,
     exports: [{config, checkpoint, verifier, export_s, size_mib}],
     rows: [{config, backend, batch, ms_per_image, vs_eager}]}

``config`` is the config's file name without ``.py``, followed by
``+<checkpoint file name without extension>`` where weights were loaded.
"""
import argparse
import copy
import json
import os
import os.path as osp
import tempfile
import time
from typing import Dict, List

import torch

from mmfacerfcn.deployment import (
    ONNXFaceRFCN,
    ORTFaceRFCN,
    config_signature,
    export_onnx,
    file_size_mib,
    import_onnxruntime,
)
from mmfacerfcn.engine import prepare_for_inference
from mmfacerfcn.testing.benchmark import (
    build_random_model,
    config_name,
    default_image,
    load_benchmark_cfg,
    load_test_image,
    timed,
)
from mmfacerfcn.testing.configs import CONFIGS
from mmfacerfcn.utils.checkpoint_fit import init_detector_or_exit

DEFAULT_CONFIGS = [
    osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py'),
    osp.join(CONFIGS, 'face_rfcn_r101_wider.py'),
]
WIDER_TEST_SCALE = (1600, 1024)
BACKENDS = ('eager', 'eager-fast', 'onnxruntime')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+', default=DEFAULT_CONFIGS)
    parser.add_argument('--img', help='image (default: matplotlib\'s '
                        'grace_hopper.jpg)')
    parser.add_argument('--scale', type=int, nargs=2,
                        default=list(WIDER_TEST_SCALE),
                        metavar=('LONG', 'SHORT'))
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 4])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int)
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--keep-onnx', metavar='DIR',
                        help='write the exported files here and keep them')
    parser.add_argument('--json', help='also write the figures here')
    parser.add_argument(
        '--checkpoints', nargs='+', metavar='CKPT',
        help='a checkpoint per config, in the order of --configs, "-" for '
        'seeded random weights (default: random weights for every config)')
    args = parser.parse_args()
    if min(args.batches) < 1 or args.repeats < 1 or args.warmup < 0:
        parser.error('--batches and --repeats must be >= 1, --warmup >= 0')
    if args.checkpoints is None:
        args.checkpoints = ['-'] * len(args.configs)
    if len(args.checkpoints) != len(args.configs):
        parser.error(f'--checkpoints gives {len(args.checkpoints)} '
                     f'checkpoint(s) for {len(args.configs)} config(s); give '
                     'one per config ("-" for random weights)')
    return args


def batch_of(data: Dict, size: int) -> Dict:
    """``size`` copies of one packed image, as a dataloader batches them."""
    return dict(inputs=data['inputs'] * size,
                data_samples=[copy.deepcopy(data['data_samples'][0])
                              for _ in range(size)])


def measure_config(config: str, checkpoint: str, args: argparse.Namespace,
                   img: str, onnx_dir: str) -> Dict:
    """Export, then time every backend at every batch size.

    Args:
        config (str): Config file.
        checkpoint (str): Its checkpoint, or ``'-'`` for seeded random
            weights.

    Returns:
        dict: ``image`` [h, w], ``export`` {config, checkpoint, verifier,
        export_s, size_mib}, ``rows`` [{config, backend, batch,
        ms_per_image}], ``providers``.
    """
    name = config_name(config)
    cfg = load_benchmark_cfg(config, args.scale)
    if checkpoint == '-':
        torch.manual_seed(args.seed)
        model = build_random_model(cfg, 'cpu').eval()
    else:
        model = init_detector_or_exit(cfg, checkpoint, config)
        name += '+' + osp.splitext(osp.basename(checkpoint))[0]
    onnx_file = osp.join(onnx_dir, f'{name}.onnx')
    start = time.perf_counter()
    export_onnx(ONNXFaceRFCN(model), onnx_file, dynamic_batch=True,
                signature=config_signature(cfg))
    export = dict(config=name, export_s=time.perf_counter() - start,
                  size_mib=file_size_mib(onnx_file),
                  checkpoint=None if checkpoint == '-' else checkpoint,
                  verifier=bool(getattr(model, 'verifies', False)))
    print(f'{name}: exported in {export["export_s"]:.1f} s, '
          f'{export["size_mib"]:.1f} MiB', flush=True)
    ort = ORTFaceRFCN(onnx_file, device=args.device,
                      num_threads=args.threads or 0)
    fast = prepare_for_inference(copy.deepcopy(model), fuse=True,
                                 channels_last=True)
    models = {'eager': model.to(args.device),
              'eager-fast': fast.to(args.device), 'onnxruntime': ort}
    data = load_test_image(cfg, img)
    rows = []
    for size in args.batches:
        batch = batch_of(data, size)
        for backend in BACKENDS:
            net = models[backend]
            with torch.no_grad():
                ms = timed(lambda: net.test_step(copy.deepcopy(batch)),
                           args.device, args.repeats, args.warmup)
            rows.append(dict(config=name, backend=backend, batch=size,
                             ms_per_image=ms / size))
            print(f'{name} {backend} batch {size}: {ms / size:.0f} ms per '
                  'image', flush=True)
    return dict(image=list(data['data_samples'][0].img_shape), export=export,
                rows=rows, providers=ort.session.get_providers())


def report(results: Dict, args: argparse.Namespace) -> str:
    """The figures as a table."""
    h, w = results['image']
    lines = [f'ms per image ({h} x {w}, {results["device"]}, '
             f'{results["threads"]} threads, onnxruntime providers '
             f'{", ".join(results["providers"])}, median of {args.repeats} '
             f'after {args.warmup} warm-up)',
             f'{"config":<40}{"backend":<13}{"batch":>6}{"ms/img":>10}'
             f'{"vs eager":>10}']
    for r in results['rows']:
        lines.append(f'{r["config"]:<40}{r["backend"]:<13}{r["batch"]:>6}'
                     f'{r["ms_per_image"]:>10.0f}{r["vs_eager"]:>9.2f}x')
    lines += ['', f'{"export":<40}{"seconds":>10}{"MiB":>10}'
              f'{"verifier":>10}']
    for e in results['exports']:
        lines.append(f'{e["config"]:<40}{e["export_s"]:>10.1f}'
                     f'{e["size_mib"]:>10.1f}{str(e["verifier"]):>10}')
    return '\n'.join(lines)


def add_ratios(rows: List[Dict]) -> None:
    """``vs_eager``: eager's ms per image over the row's, same config and
    batch."""
    eager = {(r['config'], r['batch']): r['ms_per_image'] for r in rows
             if r['backend'] == 'eager'}
    for r in rows:
        r['vs_eager'] = eager[r['config'], r['batch']] / r['ms_per_image']


def main() -> None:
    args = parse_args()
    ort = import_onnxruntime()
    if args.threads:
        torch.set_num_threads(args.threads)
    img = args.img or default_image()
    if not osp.isfile(img):
        raise SystemExit(f'{img}: image not found')
    results = dict(device=args.device, torch=torch.__version__,
                   onnxruntime=ort.__version__,
                   threads=torch.get_num_threads(), image=None, providers=[],
                   exports=[], rows=[])
    with tempfile.TemporaryDirectory() as tmp:
        onnx_dir = args.keep_onnx or tmp
        os.makedirs(onnx_dir, exist_ok=True)
        for config, checkpoint in zip(args.configs, args.checkpoints):
            measured = measure_config(config, checkpoint, args, img,
                                      onnx_dir)
            if results['image'] not in (None, measured['image']):
                raise SystemExit(
                    f'the configs resize the image differently: '
                    f'{results["image"]} and {measured["image"]}')
            results['image'] = measured['image']
            results['providers'] = measured['providers']
            results['exports'].append(measured['export'])
            results['rows'] += measured['rows']
    add_ratios(results['rows'])
    print(report(results, args))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
