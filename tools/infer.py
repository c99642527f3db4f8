"""Detect faces in images, folders of images or videos; draw and dump them.

    python tools/infer.py INPUT [INPUT ...] --out-dir DIR [--config C]
        [--checkpoint P] [--score-thr 0.3] [--device cpu]
        [--allow-partial-checkpoint]

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
from typing import Callable, Dict, List

import cv2
import numpy as np
import torch
from mmcv.transforms import Compose
from mmdet.apis import inference_detector, init_detector
from mmdet.structures import DetDataSample
from mmdet.utils import get_test_pipeline_cfg
from mmdet.visualization import DetLocalVisualizer
from mmengine.config import Config
from PIL import Image, UnidentifiedImageError

from mmfacerfcn import register_all_modules
from mmfacerfcn.utils.checkpoint_files import exit_unless_checkpoint_complete
from mmfacerfcn.utils.checkpoint_fit import (
    add_partial_checkpoint_arg,
    exit_unless_checkpoint_fits,
)
from mmfacerfcn.utils.input_files import load_image_fully
from mmfacerfcn.utils.output_paths import (
    OutputPathError,
    OutputWriteError,
    check_output_folder,
    write_atomic,
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
                        '0.3, as mmdet\'s DetInferencer draws)')
    parser.add_argument(
        '--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args()


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


def build_detect(args: argparse.Namespace) -> Callable:
    """A function: BGR image -> (its detections, RGB picture with them)."""
    register_all_modules()  # also for a config without custom_imports
    cfg = Config.fromfile(args.config)
    checkpoint = args.checkpoint or default_checkpoint(cfg)
    if not osp.isfile(checkpoint):
        raise SystemExit(f'{checkpoint}: checkpoint not found')
    exit_unless_checkpoint_complete(checkpoint)
    model = init_detector(cfg, checkpoint, device=args.device)
    exit_unless_checkpoint_fits(model, checkpoint, args.config,
                                args.allow_partial_checkpoint)
    # Every frame comes as an array: no file loading. The pipeline's
    # LoadAnnotations finds no instances and packs none (mmdet 3.3).
    steps = list(get_test_pipeline_cfg(cfg))
    steps[0] = dict(type='mmdet.LoadImageFromNDArray')
    pipeline = Compose(steps)
    visualizer = DetLocalVisualizer(name='infer', bbox_color=(0, 255, 0),
                                    text_color=(0, 255, 0))
    visualizer.dataset_meta = model.dataset_meta

    def detect(image: np.ndarray):
        sample = inference_detector(model, image, test_pipeline=pipeline)
        pred = sample.pred_instances.cpu()
        sample.pred_instances = pred[pred.scores >= args.score_thr]
        visualizer.add_datasample(
            'infer', image[..., ::-1], sample, draw_gt=False,
            pred_score_thr=-float('inf'))
        return sample, visualizer.get_image()

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


def infer_image(path: str, out_dir: str, detect: Callable) -> None:
    """Detect in one image; write its drawn picture and ``<stem>.json``.

    Raises:
        SkippedInput: The image cannot be read (nothing is written).
    """
    image = read_image(path)
    sample, drawn = detect(image)
    name = osp.basename(path)
    out_image = osp.join(out_dir, name)
    if osp.exists(out_image) and osp.samefile(out_image, path):
        raise SystemExit(f'{out_dir}: is the input folder; pick another '
                         '--out-dir')
    if not cv2.imwrite(out_image, drawn[..., ::-1]):
        raise OutputWriteError(f'{out_image}: cannot write')
    record = dict(image=path, **to_record(sample, *image.shape[:2]))
    write_json(record, osp.join(out_dir, osp.splitext(name)[0] + '.json'))
    print(f'{path}: {len(record["scores"])} faces -> {out_image}')


def infer_video(path: str, out_dir: str, detect: Callable) -> None:
    """Detect in every frame; write ``<stem>.mp4`` and ``<stem>.json``.

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
                sample, drawn = detect(frame)
                writer.write(np.ascontiguousarray(drawn[..., ::-1]))
                record = to_record(sample, *frame.shape[:2])
                frames.append(dict(bboxes=record['bboxes'],
                                   scores=record['scores']))
                ok, frame = capture.read()
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
    for path in paths:
        infer = (infer_video if path.lower().endswith(VIDEO_EXTENSIONS) else
                 infer_image)
        try:
            infer(path, args.out_dir, detect)
        except SkippedInput as err:
            print(f'{path}: skipped: {err}', file=sys.stderr)
            skipped.append(path)
        except OutputPathError as err:
            raise SystemExit(f'infer: error: {err}') from None
    summary = f'{len(paths) - len(skipped)} done, {len(skipped)} skipped'
    if skipped:
        print(f'infer: error: {summary}: {", ".join(skipped)}',
              file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == '__main__':
    sys.exit(main())
