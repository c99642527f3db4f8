"""Detect faces in images, folders of images or videos; draw and dump them.

    python tools/infer.py INPUT [INPUT ...] --out-dir DIR [--config C]
        [--checkpoint P] [--score-thr 0.3] [--device cpu] [--batch-size N]
        [--allow-partial-checkpoint] [--fuse-conv-bn] [--channels-last]
        [--threads N] [--tta] [--cfg-options KEY=VALUE ...]
    python tools/infer.py INPUT ... --out-dir DIR --config C
        --backend onnxruntime --onnx model.onnx [--batch-size N]

Each INPUT is an image, a folder (its images, not its sub-folders) or a
video; the model is loaded once for all of them.

Writes, into DIR, per image ``<name>`` the picture with boxes and scores drawn
(same name) and ``<stem>.json``::

    {"image": path, "width": w, "height": h,
     "bboxes": [[x1, y1, x2, y2], ...], "scores": [...]}

in pixels of the original image; for a video ``<stem>.mp4`` (mp4v) with the
boxes drawn and one ``<stem>.json`` with ``fps``, ``width``, ``height`` and
``frames``: a list with ``bboxes`` and ``scores`` per frame. Two inputs whose
outputs would have the same name (``a.jpg`` and ``a.png``, or two folders
holding ``img.jpg``) are refused before anything runs, so no output
overwrites another.

An input that cannot be read (a damaged or truncated image, a video without a
readable frame) is skipped with its reason, leaving no output of its own; the
others are still processed, and the run ends with ``N done, M skipped`` and,
if anything was skipped, exit status 1.

``--backend onnxruntime`` runs the file ``tools/deployment/export_onnx.py``
wrote from the config (refused when the config's test-time settings differ
from the export's, naming the first), through the same pipeline, padding
and drawing: pictures and JSON have the same form. ``--batch-size N`` sends
up to N images (or frames) per forward pass: those of one padded size
batch together, so every detection is exactly what one image at a time
gives (mmdet pads a batch to its largest image, which moves the detections
of the others; :func:`predict_batch`). ``--tta`` runs each picture at every
scale and flip of the config's ``tta_pipeline`` and merges the detections
with its ``tta_model``, as ``tools/test.py --tta`` does
(:mod:`mmfacerfcn.utils.tta`); slower, one picture at a time.

``--cfg-options`` overrides settings of the config as in mmdet's tools
(e.g. ``model.test_cfg.rcnn.max_per_img=100``); with onnxruntime the
overridden config must still match the file's test-time settings.

Without ``--checkpoint`` the config's work dir (``./work_dirs/<config name>``
as tools/train.py uses it) gives its ``last_checkpoint``. A checkpoint that
lacks weights of the config's model, or holds them with other shapes, is an
error naming the first such keys, unless ``--allow-partial-checkpoint``.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Callable, Dict, List, Tuple

import cv2
import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmdet.visualization import DetLocalVisualizer
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image, UnidentifiedImageError

from mmfacerfcn import register_all_modules
from mmfacerfcn.engine import prepare_for_inference
from mmfacerfcn.utils.checkpoint_fit import (
    add_partial_checkpoint_arg,
    init_detector_or_exit,
)
from mmfacerfcn.utils.input_files import load_image_fully
from mmfacerfcn.utils.output_paths import (
    OutputPathError,
    OutputWriteError,
    check_output_folder,
    write_atomic,
)
from mmfacerfcn.utils.runner_cli import (
    add_cfg_options_arg,
    add_inference_args,
    check_inference_args,
    load_config,
)
from mmfacerfcn.utils.tta import (
    array_test_pipeline,
    check_tta_cfg,
    tta_predict,
    wrap_for_tta,
)

DEFAULT_CONFIG = osp.join(
    osp.dirname(osp.abspath(__file__)), '..', 'configs',
    'face_rfcn_r18_wider-sample.py')
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.m4v', '.mpg', '.mpeg',
                    '.webm')


class SkippedInput(Exception):
    """An input that cannot be read; the run goes on with the others."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Detect faces in images, folders or videos; draw and dump '
        'them')
    parser.add_argument('inputs', nargs='+', metavar='INPUT',
                        help='an image, a folder of images, or a video')
    parser.add_argument('--out-dir', required=True,
                        help='where drawn pictures/video and JSON files go')
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='model config (default: the sample config)')
    parser.add_argument(
        '--checkpoint',
        help='checkpoint file (default: last_checkpoint of the config\'s '
        'work dir)')
    add_partial_checkpoint_arg(parser)
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='keep detections with score >= this (default '
                        '0.3, as mmdet\'s DetInferencer: where the score is '
                        'the probability that a final detection is a face, '
                        'as the sample config\'s verifier calibrates it on '
                        'the training pictures, a box with at least a 30%% '
                        'chance of being one; tools/analysis_tools/'
                        'score_reliability.py measures it on a split)')
    parser.add_argument(
        '--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--batch-size', type=int, default=1,
        help='images (or video frames) per forward pass (default 1); '
        'images of different sizes run in separate batches')
    add_inference_args(parser)
    add_cfg_options_arg(parser)
    args = parser.parse_args()
    error = check_inference_args(args)
    if error is None and args.batch_size < 1:
        error = f'--batch-size {args.batch_size}: must be >= 1'
    if error is None and args.backend == 'onnxruntime' and args.checkpoint:
        error = ('--checkpoint and --backend onnxruntime: the weights come '
                 'from --onnx; drop the checkpoint')
    if error:
        parser.error(error)
    return args


def list_inputs(path: str) -> List[str]:
    """The images to read: ``path`` itself, or the images of a folder.

    Raises:
        SystemExit: ``path`` is missing, or neither an image nor a video, or
            a folder without images.
    """
    if not osp.exists(path):
        raise SystemExit(f'{path}: no such file or folder')
    if osp.isdir(path):
        names = sorted(n for n in os.listdir(path)
                       if n.lower().endswith(IMAGE_EXTENSIONS))
        if not names:
            raise SystemExit(f'{path}: folder holds no image '
                             f'({", ".join(IMAGE_EXTENSIONS)})')
        return [osp.join(path, n) for n in names]
    if not path.lower().endswith(IMAGE_EXTENSIONS + VIDEO_EXTENSIONS):
        raise SystemExit(
            f'{path}: neither an image ({", ".join(IMAGE_EXTENSIONS)}) nor a '
            f'video ({", ".join(VIDEO_EXTENSIONS)})')
    return [path]


def check_output_names(paths: List[str]) -> None:
    """Refuse inputs whose outputs in the flat out dir would collide.

    Every input writes ``<stem>.json`` (and its picture or ``<stem>.mp4``), so
    two inputs with the same file stem would overwrite each other's results.

    Raises:
        SystemExit: naming both inputs.
    """
    first: Dict[str, str] = {}
    for path in paths:
        stem = osp.splitext(osp.basename(path))[0]
        if stem in first and not osp.samefile(first[stem], path):
            raise SystemExit(
                f'{first[stem]} and {path}: both would write {stem}.json in '
                '--out-dir; run them into different --out-dir folders')
        first.setdefault(stem, path)


def default_checkpoint(cfg: Config) -> str:
    """The last checkpoint that tools/train.py wrote for ``cfg``."""
    work_dir = cfg.get('work_dir') or osp.join(
        './work_dirs', osp.splitext(osp.basename(cfg.filename))[0])
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        raise SystemExit(
            f'no --checkpoint given and {pointer} not found: pass '
            '--checkpoint, or train first (bash tools/run_main_job.sh)')
    with open(pointer) as f:
        return f.read().strip()


def to_record(sample: DetDataSample, height: int, width: int) -> Dict:
    """Boxes (x1, y1, x2, y2 in original pixels) and scores as JSON values."""
    pred = sample.pred_instances
    return dict(width=width, height=height,
                bboxes=[[round(v, 2) for v in box]
                        for box in pred.bboxes.tolist()],
                scores=[round(s, 4) for s in pred.scores.tolist()])


def build_model(args: argparse.Namespace) -> torch.nn.Module:
    """The detector of ``--backend``, ready to predict.

    pytorch: the config's model with the checkpoint, then
    ``--fuse-conv-bn``/``--channels-last``, inside the config's ``tta_model``
    with ``--tta``; onnxruntime: the ``--onnx`` file
    in :class:`~mmfacerfcn.deployment.ORTFaceRFCN`, its class names from the
    file. Either has ``cfg`` and ``dataset_meta`` as ``init_detector`` sets.

    Raises:
        SystemExit: A missing or unfit checkpoint or ONNX file (naming it),
            a missing onnxruntime (naming what to install), or ``--tta``
            with a config that has no TTA settings.
    """
    register_all_modules()  # also for a config without custom_imports
    cfg = load_config(args.config, args.cfg_options)
    if args.tta:
        try:
            check_tta_cfg(cfg, args.config)
        except ValueError as err:
            raise SystemExit(f'infer: error: {err}') from None
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.backend == 'onnxruntime':
        from mmfacerfcn.deployment import ORTDetectorError, build_ort_detector

        # The test pipeline's transforms are looked up in this scope
        # (init_detector sets it for the PyTorch model).
        init_default_scope(cfg.get('default_scope', 'mmdet'))
        try:
            return build_ort_detector(cfg, args.onnx, args.config,
                                      device=args.device,
                                      num_threads=args.threads or 0)
        except ORTDetectorError as err:
            raise SystemExit(f'infer: error: {err}') from None
    model = init_detector_or_exit(cfg, args.checkpoint or
                                  default_checkpoint(cfg), args.config,
                                  args.device, args.allow_partial_checkpoint)
    model = prepare_for_inference(model, args.fuse_conv_bn, args.channels_last)
    if args.tta:
        model = wrap_for_tta(model, cfg)
    return model


def padded_shape(sample: DetDataSample, divisor: int) -> Tuple[int, int]:
    """``img_shape`` rounded up to ``divisor``: the input a batch of one
    gets."""
    height, width = sample.metainfo['img_shape'][:2]
    return -(-height // divisor) * divisor, -(-width // divisor) * divisor


def predict_batch(model: torch.nn.Module, pipeline: Callable,
                  images: List[np.ndarray],
                  divisor: int = 1) -> List[DetDataSample]:
    """Detections of several images, batched without changing any of them.

    What mmdet's ``inference_detector`` does for one image: the test
    pipeline on each array, then ``model.test_step``. mmdet's data
    preprocessor pads a batch to its largest image, and that padding changes
    the detections of the smaller ones (the network sees the padded area
    instead of its own zero padding at the border; the README gives the
    size of the effect). So images are grouped by their padded input size (``img_shape``
    rounded up to ``divisor``, as a batch of one is padded) and each group
    is one ``test_step``: every image gets exactly the input it gets alone.

    Args:
        model (nn.Module): A detector (either backend).
        pipeline (Callable): The test pipeline, from an array.
        images (list[np.ndarray]): BGR, (H, W, 3) each.
        divisor (int): The config's ``pad_size_divisor``. Defaults to 1.

    Returns:
        list[DetDataSample]: One per image, in order, boxes in its pixels.
    """
    packed = [pipeline(dict(img=image, img_id=i))
              for i, image in enumerate(images)]
    groups: Dict[Tuple[int, int], List[int]] = {}
    for i, item in enumerate(packed):
        groups.setdefault(padded_shape(item['data_samples'], divisor),
                          []).append(i)
    results: List[DetDataSample] = [None] * len(images)
    with torch.no_grad():
        for indices in groups.values():
            data = dict(inputs=[packed[i]['inputs'] for i in indices],
                        data_samples=[packed[i]['data_samples']
                                      for i in indices])
            for i, sample in zip(indices, model.test_step(data)):
                results[i] = sample
    return results


def build_detect(args: argparse.Namespace) -> Callable:
    """A function: BGR images -> [(detections, RGB picture with them)]."""
    model = build_model(args)
    # Every frame comes as an array: no file loading. The pipeline's
    # LoadAnnotations finds no instances and packs none (mmdet 3.3).
    pipeline = array_test_pipeline(model.cfg, tta=args.tta)
    visualizer = DetLocalVisualizer(name='infer', bbox_color=(0, 255, 0),
                                    text_color=(0, 255, 0))
    visualizer.dataset_meta = model.dataset_meta
    divisor = model.cfg.model.get('data_preprocessor',
                                  {}).get('pad_size_divisor', 1)

    def detect(images: List[np.ndarray]) -> List[Tuple]:
        results = []
        if args.tta:
            samples = tta_predict(model, pipeline, images)
        else:
            samples = predict_batch(model, pipeline, images, divisor)
        for image, sample in zip(images, samples):
            pred = sample.pred_instances.cpu()
            sample.pred_instances = pred[pred.scores >= args.score_thr]
            visualizer.add_datasample(
                'infer', image[..., ::-1], sample, draw_gt=False,
                pred_score_thr=-float('inf'))
            results.append((sample, visualizer.get_image()))
        return results

    return detect


def read_image(path: str) -> np.ndarray:
    """The BGR pixels of an image file, refused when it is damaged.

    OpenCV decodes a truncated JPEG without an error: libjpeg only prints a
    warning and fills the missing rows grey, and the model would detect on
    that. Pillow raises instead, so the image is decoded by it once more
    (:func:`~mmfacerfcn.utils.input_files.load_image_fully`, the converters'
    check too).

    Args:
        path (str): The image file.

    Returns:
        np.ndarray: shape (H, W, 3), uint8, BGR.

    Raises:
        SkippedInput: The file is no image OpenCV reads, or a damaged JPEG.
    """
    image = cv2.imread(path)
    if image is None:
        raise SkippedInput('cannot be read as an image')
    try:
        load_image_fully(path)
    except (UnidentifiedImageError, Image.DecompressionBombError):
        pass  # a format or a size only OpenCV takes: trust its decoding
    except OSError as err:
        raise SkippedInput(f'damaged image file: {err}') from err
    return image


def write_json(record: Dict, out_json: str) -> None:
    """Write one result JSON all or nothing.

    Raises:
        OutputWriteError: It cannot be written (disk full...), naming it.
    """
    write_atomic(out_json, lambda f: json.dump(record, f))


def infer_images(paths: List[str], out_dir: str,
                 detect: Callable) -> List[Tuple[str, str]]:
    """Detect in images as one batch; write each drawn picture and JSON.

    Returns:
        list[tuple[str, str]]: ``(path, reason)`` of each image that cannot
        be read; nothing is written for it, the others are still detected.
    """
    images, readable, skipped = [], [], []
    for path in paths:
        try:
            images.append(read_image(path))
            readable.append(path)
        except SkippedInput as err:
            skipped.append((path, str(err)))
    if not images:
        return skipped
    for path, image, (sample, drawn) in zip(readable, images,
                                            detect(images)):
        name = osp.basename(path)
        out_image = osp.join(out_dir, name)
        if osp.exists(out_image) and osp.samefile(out_image, path):
            raise SystemExit(f'{out_dir}: is the input folder; pick another '
                             '--out-dir')
        if not cv2.imwrite(out_image, drawn[..., ::-1]):
            raise OutputWriteError(f'{out_image}: cannot write')
        record = dict(image=path, **to_record(sample, *image.shape[:2]))
        write_json(record,
                   osp.join(out_dir, osp.splitext(name)[0] + '.json'))
        print(f'{path}: {len(record["scores"])} faces -> {out_image}')
    return skipped


def infer_video(path: str, out_dir: str, detect: Callable,
                batch_size: int = 1) -> None:
    """Detect in every frame; write ``<stem>.mp4`` and ``<stem>.json``.

    Frames go to the detector ``batch_size`` at a time (all of one size, so
    a batch holds no padding).

    The first frame is read before the output video is created, so a video
    without frames leaves no file; one interrupted by an error leaves none
    either.

    Raises:
        SkippedInput: The video cannot be opened or holds no readable frame.
    """
    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            raise SkippedInput('cannot be opened as a video')
        ok, frame = capture.read()
        if not ok:
            raise SkippedInput('holds no frame that can be read')
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        height, width = frame.shape[:2]
        stem = osp.splitext(osp.basename(path))[0]
        out_video = osp.join(out_dir, stem + '.mp4')
        if osp.exists(out_video) and osp.samefile(out_video, path):
            raise SystemExit(f'{out_dir}: holds the input video; pick another '
                             '--out-dir')
        writer = cv2.VideoWriter(out_video, cv2.VideoWriter_fourcc(*'mp4v'),
                                 fps, (width, height))
        frames = []
        try:
            if not writer.isOpened():
                raise SystemExit(f'{out_video}: cannot be written (mp4v)')
            while ok:
                batch = [frame]
                ok, frame = capture.read()
                while ok and len(batch) < batch_size:
                    batch.append(frame)
                    ok, frame = capture.read()
                for sample, drawn in detect(batch):
                    writer.write(np.ascontiguousarray(drawn[..., ::-1]))
                    record = to_record(sample, height, width)
                    frames.append(dict(bboxes=record['bboxes'],
                                       scores=record['scores']))
        except BaseException:
            writer.release()
            if osp.exists(out_video):
                os.remove(out_video)
            raise
        writer.release()
    finally:
        capture.release()
    write_json(dict(video=path, fps=fps, width=width, height=height,
                    frames=frames), osp.join(out_dir, stem + '.json'))
    print(f'{path}: {len(frames)} frames -> {out_video}')


def main() -> int:
    """Run the detector over every input.

    Returns:
        int: The exit status: 0, or 1 when an input was skipped (after all the
        others were processed).

    Raises:
        SystemExit: With a one-line message, when ``--out-dir`` cannot be
            written (checked before the model is built) or an output fails
            to be written (e.g. a full disk).
    """
    args = parse_args()
    paths = [path for given in args.inputs for path in list_inputs(given)]
    check_output_names(paths)
    try:
        check_output_folder(args.out_dir)
    except OutputPathError as err:
        raise SystemExit(f'infer: error: {err}') from None
    detect = build_detect(args)
    os.makedirs(args.out_dir, exist_ok=True)
    skipped = []
    try:
        # Images in input order, --batch-size at a time; each video alone.
        pending: List[str] = []
        for i, path in enumerate(paths):
            is_video = path.lower().endswith(VIDEO_EXTENSIONS)
            if not is_video:
                pending.append(path)
            last = i == len(paths) - 1
            if pending and (len(pending) == args.batch_size or is_video
                            or last):
                skipped += infer_images(pending, args.out_dir, detect)
                pending = []
            if is_video:
                try:
                    infer_video(path, args.out_dir, detect, args.batch_size)
                except SkippedInput as err:
                    skipped.append((path, str(err)))
    except OutputPathError as err:
        raise SystemExit(f'infer: error: {err}') from None
    for path, reason in skipped:
        print(f'{path}: skipped: {reason}', file=sys.stderr)
    skipped = [path for path, _ in skipped]
    summary = f'{len(paths) - len(skipped)} done, {len(skipped)} skipped'
    if skipped:
        print(f'infer: error: {summary}: {", ".join(skipped)}',
              file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == '__main__':
    sys.exit(main())
