"""Face R-FCN beside established face detectors: WIDER FACE AP and speed, one table.

    python tools/analysis_tools/compare_face_detectors.py \\
        [--data-root data/wider_sample] [--detectors [PEER ...]] \\
        [--model NAME CONFIG CHECKPOINT ...] [--device cpu] \\
        [--tta] [--max-images N] [--raw-boxes] [--json OUT]
    python tools/analysis_tools/compare_face_detectors.py --tune \\
        [--detectors [PEER ...]] [--json OUT]

Runs each detector on the val images listed by the official ground truth
(``DATA_ROOT/eval_tools/ground_truth/*.mat``, images in
``DATA_ROOT/WIDER_val/images``), scores them with the official protocol
(:func:`evaluate_wider_face`) and prints one table: detector | settings | Easy
| Medium | Hard AP | ms/img. ``--json OUT`` writes the figures, and for each
peer also its AP with its own boxes (``raw``).

The detectors:

- ``haar``: OpenCV's Viola-Jones cascade ``haarcascade_frontalface_default.xml``
  on the grey, histogram-equalised image, ``detectMultiScale3(...,
  outputRejectLevels=True)``; the score is the level weight (the last stage's
  sum), so AP gets a ranking. Its window is 24 px: faces from
  ``24 / upsample`` px.
- ``dlib``: dlib's HOG + linear SVM frontal detector
  (``get_frontal_face_detector``), ``run(rgb, upsample_num_times,
  adjust_threshold)`` with the SVM score. Its window is 80 px and each
  upsampling halves the smallest face (3: 10 px); its pyramid step (5/6) is
  fixed inside dlib.
- ``mtcnn``: MTCNN of ``facenet-pytorch`` (weights in the wheel),
  ``MTCNN(keep_all=True, min_face_size, thresholds, factor).detect(pil_rgb)``
  with the O-Net probability; on ``--device``.
- ``--model NAME CONFIG CHECKPOINT`` (repeatable, one row each, e.g. two
  seeds): ours, through the config's test pipeline as tools/infer.py runs it,
  with every detection the model keeps at its test ``score_thr`` (no display
  threshold). Its AP equals the Runner's WiderFaceMetric on the same val set.
  ``--tta`` adds a row ``NAME+tta`` per model: the config's ``tta_pipeline``
  (scales and flips) merged by its ``tta_model``, as ``tools/test.py --tta``.

Fair tuning, on the sample's TRAIN split, never on val. Each peer gets the
knobs that decide which face sizes it sees (upsampling, minimum face size,
pyramid step) and how many candidates it returns (detection thresholds,
grouping), with thresholds set low because AP rewards a ranking, not a cut.
``--tune`` runs each peer's grid (``PEERS[...]['grid']``) on
``DATA_ROOT/WIDER_train`` and picks the best mean of Easy, Medium and Hard AP.
The train JSON (``annotations/wider_face_train.json``) has no subset flags,
only val's come from the official ``gt_list``; its faces get the rule that
wrote the sample's val ``.mat`` files
(:func:`mmfacerfcn.data_formats.wider_sample.wider_subsets`: Hard = valid faces of
h >= 10 px, Medium adds h >= 24 and no heavy blur or occlusion, Easy adds
h >= 48, no blur, frontal), so train AP is measured as val AP is. On real
WIDER FACE that rule only approximates the official subsets.

Box fit: every detector draws its box around a face its own way (dlib's and
MTCNN's boxes are smaller than the sample's, which spans the pasted 25 x 25
LFW crop, hair and background included), and IoU 0.5 then fails on faces that
were found. Our model learns the convention from the train boxes; the peers
cannot, so each peer gets a fit on train (:func:`fit_box`: median width and
height ratio and centre shift between each Hard face and its strongest
detection of IoU >= 0.3), applied to its boxes, scores unchanged.
``--tune`` fits it per setting and ranks the settings with it; ``--raw-boxes``
scores the peers' own boxes.

The winners on the sample's train split are frozen as ``default`` and
``box`` in ``PEERS``; ``--tune`` prints every row of the grids, and the README
gives the chosen settings with their train AP.

Timing, the same for every detector: wall-clock time of the detector call on
the decoded BGR image (colour conversion, resizing, the network or cascade,
NMS; not JPEG decoding, not the box fit), median over the images after one
untimed warm-up call on the first image (the JSON has the mean too). Thread
counts are left as the libraries set them (torch's default, OpenCV's default;
dlib runs on one) and printed with the table.

Install the peers (optional, for this benchmark only)::

    pip install dlib-bin requests tqdm           # or: pip install -e .[peers]
    pip install --no-deps facenet-pytorch==2.6.0
    # or both at once: pip install --no-deps -r requirements/peers.txt

facenet-pytorch goes in with ``--no-deps``: its metadata pins torch<2.3,
torchvision<0.18 and Pillow<10.3, which would replace the project's stack;
its MTCNN runs unchanged on ours (checked with torch 2.14.1 and torchvision
0.29.1, CPU). A peer whose package is missing is reported with its install
command and skipped; asked for with ``--detectors`` it is an error.
"""
import argparse
import functools
import importlib
import itertools
import json
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmdet.apis import inference_detector
from mmengine.config import Config
from terminaltables import AsciiTable

from mmfacerfcn import register_all_modules
from mmfacerfcn.data_formats.converter_cli import dump_json_atomic
from mmfacerfcn.data_formats.wider_sample import wider_subsets
from mmfacerfcn.evaluation.functional import (
    WIDER_FACE_GT_DIR,
    WIDER_FACE_SUBSETS,
    WiderFaceImageGT,
    bbox_xyxy_to_wider_xywh,
    evaluate_wider_face,
    load_wider_gt_mat,
    parse_wider_gt_coco,
    wider_face_iou,
)
from mmfacerfcn.utils.checkpoint_fit import init_checked_detector
from mmfacerfcn.utils.tta import (
    array_test_pipeline,
    check_tta_cfg,
    tta_predict,
    wrap_for_tta,
)

PROG = 'compare_face_detectors'
DEFAULT_DATA_ROOT = 'data/wider_sample'
#: A detector: BGR uint8 image (H, W, 3) -> (P, 5) ``x y w h score`` floats
#: in the image's pixels.
Detector = Callable[[np.ndarray], np.ndarray]


#: How a detector's boxes are mapped to the ground truth's convention:
#: (width scale, height scale, centre shift x, centre shift y), the shifts in
#: units of the box's own width and height. See :func:`fit_box`.
BoxFit = Tuple[float, float, float, float]
NO_BOX_FIT: BoxFit = (1.0, 1.0, 0.0, 0.0)
BOX_FIT_MIN_IOU = 0.3


class PeerUnavailable(Exception):
    """A peer's package cannot be imported; the message says how to install."""


def _as_predictions(boxes_xywh: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``x y w h`` boxes and scores as one (P, 5) float64 array."""
    boxes = np.asarray(boxes_xywh, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1, 1)
    return np.concatenate([boxes, scores], axis=1)


def _import(module: str, install: str):
    """Import a peer's package, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        # A package that is there but misses one of its own imports says so.
        what = ('not installed' if e.name == module else
                f'cannot be imported ({e})')
        raise PeerUnavailable(f'{module} {what}: {install}') from e


def build_haar(upsample: float, scale_factor: float,
               min_neighbors: int) -> Detector:
    """OpenCV's frontal Haar cascade, scored by its level weights.

    Args:
        upsample (float): Factor the grey image is enlarged by; the
            cascade's 24 px window then finds faces from ``24 / upsample`` px.
        scale_factor (float): Pyramid step of ``detectMultiScale3``.
        min_neighbors (int): Overlapping raw windows a detection needs.

    Returns:
        Detector: BGR image -> (P, 5) ``x y w h score``.
    """
    path = osp.join(cv2.data.haarcascades, 'haarcascade_frontalface_default.xml')
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise PeerUnavailable(f'{path}: cannot be loaded as a cascade')

    def detect(image: np.ndarray) -> np.ndarray:
        grey = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        if upsample != 1:
            grey = cv2.resize(grey, None, fx=upsample, fy=upsample,
                              interpolation=cv2.INTER_LINEAR)
        rects, _, weights = cascade.detectMultiScale3(
            grey, scaleFactor=scale_factor, minNeighbors=min_neighbors,
            minSize=(24, 24), outputRejectLevels=True)
        boxes = np.asarray(rects, dtype=np.float64).reshape(-1, 4) / upsample
        return _as_predictions(boxes, weights)

    return detect


def build_dlib(upsample: int, adjust_threshold: float) -> Detector:
    """dlib's HOG frontal face detector with its SVM score.

    Args:
        upsample (int): ``upsample_num_times``: each doubles the image, so
            the smallest face found goes from about 80 px down to 40, 20, ...
        adjust_threshold (float): Added to the SVM's threshold; negative keeps
            weaker detections.

    Returns:
        Detector: BGR image -> (P, 5) ``x y w h score``.
    """
    dlib = _import('dlib', 'pip install dlib-bin')
    detector = dlib.get_frontal_face_detector()

    def detect(image: np.ndarray) -> np.ndarray:
        rgb = np.ascontiguousarray(image[..., ::-1])
        rects, scores, _ = detector.run(rgb, upsample, adjust_threshold)
        # dlib rectangles are inclusive: right = left + width - 1.
        boxes = [(r.left(), r.top(), r.right() - r.left() + 1,
                  r.bottom() - r.top() + 1) for r in rects]
        return _as_predictions(boxes, scores)

    return detect


def build_mtcnn(min_face_size: int, thresholds: Sequence[float],
                factor: float, device: str = 'cpu') -> Detector:
    """MTCNN (P-Net, R-Net, O-Net cascade) of facenet-pytorch.

    Args:
        min_face_size (int): Smallest face the image pyramid reaches, px.
        thresholds (Sequence[float]): P-Net, R-Net and O-Net probability
            thresholds.
        factor (float): Pyramid scale step.
        device (str): Torch device.

    Returns:
        Detector: BGR image -> (P, 5) ``x y w h score`` (O-Net probability).
    """
    facenet = _import('facenet_pytorch',
                      'pip install --no-deps facenet-pytorch==2.6.0 && '
                      'pip install requests tqdm')
    from PIL import Image
    mtcnn = facenet.MTCNN(keep_all=True, device=device,
                          min_face_size=min_face_size,
                          thresholds=list(thresholds), factor=factor)

    def detect(image: np.ndarray) -> np.ndarray:
        pil = Image.fromarray(np.ascontiguousarray(image[..., ::-1]))
        boxes, probs = mtcnn.detect(pil)
        if boxes is None:
            return np.zeros((0, 5))
        return _as_predictions(bbox_xyxy_to_wider_xywh(boxes), probs)

    return detect


def fit_box(preds: Dict[str, np.ndarray], gt: Dict[str, WiderFaceImageGT],
            min_iou: float = BOX_FIT_MIN_IOU) -> BoxFit:
    """A detector's box convention relative to the ground truth's.

    Each Hard face is paired with its highest-scoring detection of IoU >=
    ``min_iou``; the fit is the median over the pairs of the face's width and
    height over the detection's and of the centre shift (face centre minus
    detection centre) in units of the detection's width and height.

    Args:
        preds (dict): image key -> (P, 5) ``x y w h score``.
        gt (dict): image key -> ground truth.
        min_iou (float): Least IoU of a pair: low enough to catch boxes
            that miss 0.5 only by their convention, high enough to be the
            same face.

    Returns:
        BoxFit: ``(width scale, height scale, x shift, y shift)``;
        :data:`NO_BOX_FIT` when nothing pairs.
    """
    pairs = []
    for key, img_gt in gt.items():
        faces = img_gt.boxes[img_gt.subsets['hard']]
        pred = preds.get(key)
        if pred is None or not len(pred) or not len(faces):
            continue
        iou = wider_face_iou(pred[:, :4], faces)
        for j, (gx, gy, gw, gh) in enumerate(faces):
            hits = np.flatnonzero(iou[:, j] >= min_iou)
            if not len(hits):
                continue
            px, py, pw, ph = pred[hits[pred[hits, 4].argmax()], :4]
            pairs.append((gw / pw, gh / ph,
                          (gx + gw / 2 - px - pw / 2) / pw,
                          (gy + gh / 2 - py - ph / 2) / ph))
    if not pairs:
        return NO_BOX_FIT
    # + 0.0: no "-0" in the settings text.
    return tuple(round(float(v), 3) + 0.0 for v in np.median(pairs, axis=0))


def apply_box_fit(pred: np.ndarray, fit: BoxFit) -> np.ndarray:
    """Detections with the fit's scale and shift applied to every box.

    Args:
        pred (np.ndarray): (P, 5) ``x y w h score``.
        fit (BoxFit): From :func:`fit_box`.

    Returns:
        np.ndarray: (P, 5), the same scores.
    """
    sx, sy, dx, dy = fit
    out = np.array(pred, dtype=np.float64).reshape(-1, 5)
    w, h = out[:, 2].copy(), out[:, 3].copy()
    cx = out[:, 0] + w / 2 + dx * w
    cy = out[:, 1] + h / 2 + dy * h
    out[:, 2], out[:, 3] = sx * w, sy * h
    out[:, 0], out[:, 1] = cx - out[:, 2] / 2, cy - out[:, 3] / 2
    return out


def _grid(**axes) -> List[Dict]:
    """Every combination of the values of ``axes``, as keyword dicts."""
    names = list(axes)
    return [dict(zip(names, values))
            for values in itertools.product(*axes.values())]


#: Each peer: its builder, the --tune grid, and the winning setting and its
#: box fit on the sample's train split, frozen.
PEERS = {
    'haar': dict(
        build=build_haar,
        grid=_grid(upsample=[1.0, 2.0, 2.5], scale_factor=[1.05, 1.1, 1.2],
                   min_neighbors=[1, 3, 5]),
        default=dict(upsample=1.0, scale_factor=1.05, min_neighbors=3),
        box=(1.031, 1.155, -0.016, 0.048)),
    'dlib': dict(
        build=build_dlib,
        grid=_grid(upsample=[0, 1, 2, 3],
                   adjust_threshold=[-0.5, -1.0, -1.5, -2.0]),
        default=dict(upsample=3, adjust_threshold=-1.5),
        box=(1.167, 1.298, 0.032, 0.0)),
    'mtcnn': dict(
        build=build_mtcnn,
        grid=_grid(min_face_size=[10, 20],
                   thresholds=[(0.6, 0.7, 0.7), (0.4, 0.5, 0.5)],
                   factor=[0.709, 0.8]) +
        _grid(min_face_size=[10],
              thresholds=[(0.3, 0.4, 0.4), (0.2, 0.3, 0.3), (0.1, 0.2, 0.2)],
              factor=[0.709, 0.8]),
        default=dict(min_face_size=10, thresholds=(0.2, 0.3, 0.3),
                     factor=0.8),
        box=(1.356, 1.151, 0.0, 0.021)),
}


def settings_text(settings: Dict) -> str:
    """``key=value`` pairs, as the table shows a detector's settings."""
    def fmt(value):
        if isinstance(value, (tuple, list)):
            return '/'.join(fmt(v) for v in value)
        return f'{value:g}' if isinstance(value, float) else str(value)

    return ' '.join(f'{k}={fmt(v)}' for k, v in settings.items())


def build_model(config: str, checkpoint: str, device: str,
                tta: bool = False) -> Tuple[Detector, Dict]:
    """One of our detectors, run as tools/infer.py runs it.

    Args:
        config (str): Model config file.
        checkpoint (str): Checkpoint file.
        device (str): Torch device.
        tta (bool): Multi-scale + flip testing with the config's
            ``tta_pipeline`` and ``tta_model``, as ``tools/infer.py --tta``.
            Defaults to False.

    Returns:
        tuple: the Detector (every detection the model keeps at its test
        ``score_thr``) and its settings for the table.

    Raises:
        FileNotFoundError: naming the missing config or checkpoint.
        IncompleteCheckpointError: naming a truncated or empty checkpoint.
        CheckpointMismatchError: naming the weights of the config's model
            the checkpoint lacks.
        ValueError: ``tta`` with a config without TTA settings (naming it).
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'{config}: config not found')
    register_all_modules()  # also for a config without custom_imports
    cfg = Config.fromfile(config)
    if tta:
        check_tta_cfg(cfg, config)
    model = init_checked_detector(cfg, checkpoint, config, device)
    test_cfg = cfg.model.get('test_cfg', {})
    settings = dict(config=osp.splitext(osp.basename(config))[0],
                    score_thr=test_cfg.get('rcnn', test_cfg).get('score_thr'))
    pipeline = array_test_pipeline(cfg, tta=tta)
    if tta:
        model = wrap_for_tta(model, cfg)
        settings['tta'] = 'tta_pipeline'
    else:
        scales = [t.scale for t in pipeline.transforms
                  if getattr(t, 'scale', None) is not None]
        if scales:
            settings['scale'] = tuple(scales[0])

    def detect(image: np.ndarray) -> np.ndarray:
        pred = tta_predict(model, pipeline, [image])[0] if tta else (
            inference_detector(model, image, test_pipeline=pipeline))
        pred = pred.pred_instances.cpu()
        return _as_predictions(bbox_xyxy_to_wider_xywh(pred.bboxes.numpy()),
                               pred.scores.numpy())

    return detect, settings


def load_train_gt(ann_file: str) -> Dict[str, WiderFaceImageGT]:
    """Train ground truth from our converter's COCO JSON, with subsets.

    The train JSON carries no ``subsets`` flags; each face gets the rule the
    sample's val ``.mat`` files were written with
    (:func:`mmfacerfcn.data_formats.wider_sample.wider_subsets`).

    Args:
        ann_file (str): ``annotations/wider_face_train.json``.

    Returns:
        Dict[str, WiderFaceImageGT]: image key to boxes and subset masks.

    Raises:
        ValueError: naming the file, when it is not the converter's JSON.
    """
    with open(ann_file, encoding='utf-8') as f:
        coco = json.load(f)
    for ann in coco.get('annotations', []):
        if 'subsets' in ann:
            continue
        if 'wider_bbox' not in ann or 'attributes' not in ann:
            raise ValueError(
                f'{ann_file}: annotation {ann.get("id")} has no wider_bbox or '
                'attributes: not written by '
                'tools/dataset_converters/wider_face_to_coco.py')
        ann['subsets'] = wider_subsets(ann['wider_bbox'], ann['attributes'])
    try:
        return parse_wider_gt_coco(coco)
    except ValueError as e:
        raise ValueError(f'{ann_file}: {e}') from e


def load_images(image_dir: str, keys: Sequence[str]) -> Dict[str, np.ndarray]:
    """Decode the images of ``keys`` (``<event>/<name>``) from ``image_dir``.

    Raises:
        FileNotFoundError: naming an image that is missing or unreadable.
    """
    images = {}
    for key in keys:
        path = osp.join(image_dir, key + '.jpg')
        image = cv2.imread(path)
        if image is None:
            raise FileNotFoundError(
                f'{path}: missing or not readable as an image')
        images[key] = image
    return images


def run_detector(detect: Detector, images: Dict[str, np.ndarray]
                 ) -> Tuple[Dict[str, np.ndarray], List[float]]:
    """Detections and wall time per image, after one warm-up call.

    Args:
        detect (Detector): The detector.
        images (dict): image key -> BGR image.

    Returns:
        tuple: image key -> (P, 5) ``x y w h score``; ms per image.
    """
    first = next(iter(images.values()))
    detect(first)  # warm-up: lazy initialisation, caches, allocator
    preds, times = {}, []
    for key, image in images.items():
        start = time.perf_counter()
        preds[key] = detect(image)
        times.append(1000 * (time.perf_counter() - start))
    return preds, times


def score_row(name: str, settings: Dict, preds: Dict[str, np.ndarray],
              times: List[float],
              gt: Dict[str, WiderFaceImageGT]) -> Dict:
    """The AP of each subset and the timing of one detector, as a table row."""
    results = evaluate_wider_face(preds, gt)
    row = dict(detector=name, settings=settings_text(settings))
    row.update({s: results[s].ap for s in WIDER_FACE_SUBSETS})
    row['mean_ap'] = float(np.mean([row[s] for s in WIDER_FACE_SUBSETS]))
    row['ms_per_img'] = statistics.median(times)
    row['ms_mean'] = statistics.fmean(times)
    row['detections'] = int(sum(len(p) for p in preds.values()))
    return row


#: Table headers of the extra columns.
COLUMN_NAMES = dict(mean_ap='mean', raw_mean_ap='mean, own boxes')


def format_table(rows: Sequence[Dict], extra: Sequence[str] = ()) -> str:
    """Rows as a bordered text table (terminaltables, as mmdet's metrics).

    Args:
        rows (Sequence[dict]): From :func:`score_row`.
        extra (Sequence[str]): More numeric keys to show after Hard
            (e.g. ``'mean_ap'``).

    Returns:
        str: The table's lines.
    """
    head = ['detector', 'settings', 'Easy', 'Medium', 'Hard',
            *(COLUMN_NAMES.get(k, k) for k in extra), 'ms/img']
    cells = [[r['detector'], r['settings'],
              *(f'{r[k]:.4f}' for k in (*WIDER_FACE_SUBSETS, *extra)),
              f'{r["ms_per_img"]:.1f}'] for r in rows]
    table = AsciiTable([head, *cells])
    # Text left, figures right.
    table.justify_columns = {i: 'right' for i in range(2, len(head))}
    return table.table


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default=DEFAULT_DATA_ROOT,
                        help='WIDER FACE root in the official layout '
                        f'(default {DEFAULT_DATA_ROOT})')
    parser.add_argument('--detectors', nargs='*', choices=list(PEERS),
                        metavar='PEER',
                        help=f'peers to run, of {", ".join(PEERS)} (default: '
                        'all that are installed; none with no name)')
    parser.add_argument('--model', nargs=3, action='append', default=[],
                        metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
                        help='one of our models; repeat for more rows')
    parser.add_argument('--tta', action='store_true',
                        help='also run each --model with its config\'s '
                        'tta_pipeline and tta_model (a second row, NAME+tta)')
    parser.add_argument('--device', default='cpu',
                        help='torch device of MTCNN and the models')
    parser.add_argument('--max-images', type=int,
                        help='only the first N images (quick runs)')
    parser.add_argument('--tune', action='store_true',
                        help='run each peer\'s settings grid on the TRAIN '
                        'split and print which wins (no --model)')
    parser.add_argument('--raw-boxes', action='store_true',
                        help='score the peers\' own boxes, without their box '
                        'fit (PEERS[...][\'box\'])')
    parser.add_argument('--json', metavar='OUT', help='also write the figures')
    args = parser.parse_args(argv)
    if args.tune and args.model:
        parser.error('--tune tunes the peers only; drop --model')
    if args.tta and not args.model:
        parser.error('--tta applies to --model rows; give at least one')
    return args


def resolve_peers(requested: Optional[List[str]], device: str
                  ) -> List[Tuple[str, Callable[..., Detector]]]:
    """The peers to run, each with its builder (settings -> Detector).

    Missing packages are reported on stdout and skipped, unless the peer was
    asked for by name (then :class:`PeerUnavailable` propagates).

    Args:
        requested (List[str], optional): ``--detectors``; None for all.
        device (str): Torch device of the torch peers (MTCNN).

    Returns:
        list: ``(name, build)`` pairs, in the order asked for.
    """
    names = list(PEERS) if requested is None else requested
    out = []
    for name in names:
        build = PEERS[name]['build']
        if name == 'mtcnn':
            build = functools.partial(build, device=device)
        try:
            # Build once now: a missing package is reported before any run,
            # not in the middle of the table.
            build(**PEERS[name]['default'])
        except PeerUnavailable as e:
            if requested is not None:
                raise
            print(f'{name}: skipped: {e}', flush=True)
            continue
        out.append((name, build))
    return out


def load_split(args: argparse.Namespace, split: str
               ) -> Tuple[Dict[str, WiderFaceImageGT], Dict[str, np.ndarray]]:
    """Ground truth and decoded images of the val or train split.

    Val reads the official ``.mat`` files, train our converter's JSON (see
    :func:`load_train_gt`); ``--max-images`` keeps the first N images.
    """
    if split == 'val':
        gt = load_wider_gt_mat(
            osp.join(args.data_root, WIDER_FACE_GT_DIR))
    else:
        gt = load_train_gt(osp.join(args.data_root, 'annotations',
                                    f'wider_face_{split}.json'))
    gt = {k: gt[k] for k in list(gt)[:args.max_images]}
    images = load_images(
        osp.join(args.data_root, f'WIDER_{split}', 'images'), list(gt))
    return gt, images


def _aps(preds: Dict[str, np.ndarray],
         gt: Dict[str, WiderFaceImageGT]) -> Dict[str, float]:
    results = evaluate_wider_face(preds, gt)
    return {s: results[s].ap for s in WIDER_FACE_SUBSETS}


def tune(peers: List[Tuple[str, Callable[..., Detector]]],
         args: argparse.Namespace) -> Dict:
    """Each peer's grid on the train split; prints the grids, returns them.

    Every setting gets its own box fit (:func:`fit_box` on its train
    detections); its AP is measured with that fit, and the setting with the
    best mean of Easy, Medium and Hard AP wins.

    Returns:
        dict: per peer ``grid`` (rows as :func:`score_row`, plus
        ``raw_mean_ap``: without the box fit), ``best`` and ``default``
        (settings texts).
    """
    gt, images = load_split(args, 'train')
    print(f'tuning on {len(images)} train images of {args.data_root} '
          '(best mean of Easy, Medium, Hard AP)', flush=True)
    out = {}
    for name, build in peers:
        rows = []
        for settings in PEERS[name]['grid']:
            raw, times = run_detector(build(**settings), images)
            fit = fit_box(raw, gt)
            fitted = {k: apply_box_fit(p, fit) for k, p in raw.items()}
            row = score_row(name, dict(settings, box=fit), fitted, times, gt)
            row['raw_mean_ap'] = float(np.mean(list(_aps(raw, gt).values())))
            rows.append(row)
            print(f'  {name} {row["settings"]}: mean AP {row["mean_ap"]:.4f} '
                  f'({row["raw_mean_ap"]:.4f} with its own boxes)', flush=True)
        best = max(rows, key=lambda r: r['mean_ap'])
        print(format_table(rows, extra=('mean_ap', 'raw_mean_ap')))
        frozen = settings_text(dict(PEERS[name]['default'],
                                    box=PEERS[name]['box']))
        print(f'{name}: best {best["settings"]} (mean AP '
              f'{best["mean_ap"]:.4f}); frozen default {frozen}'
              f'{"" if best["settings"] == frozen else "  <- differs"}\n')
        out[name] = dict(grid=rows, best=best['settings'], default=frozen)
    return out


def compare(peers: List[Tuple[str, Callable[..., Detector]]],
            args: argparse.Namespace) -> List[Dict]:
    """Every detector on the val split; returns the table's rows.

    Peer rows carry ``raw``: their Easy, Medium and Hard AP without the box
    fit (with ``--raw-boxes`` that is the table's own figure).
    """
    gt, images = load_split(args, 'val')
    # Each entry builds its detector when its turn comes: one model in memory.
    jobs = [(name, True, lambda b=build, n=name: (b(**PEERS[n]['default']),
                                                  PEERS[n]['default']))
            for name, build in peers]
    for name, config, checkpoint in args.model:
        jobs.append((name, False, lambda c=config, p=checkpoint: build_model(
            c, p, args.device)))
        if args.tta:
            jobs.append((name + '+tta', False,
                         lambda c=config, p=checkpoint: build_model(
                             c, p, args.device, tta=True)))
    rows = []
    for name, is_peer, make in jobs:
        print(f'{name}: {len(images)} val images', flush=True)
        detect, settings = make()
        preds, times = run_detector(detect, images)
        del detect
        raw = None
        if is_peer and not args.raw_boxes:
            raw = _aps(preds, gt)
            settings = dict(settings, box=PEERS[name]['box'])
            preds = {k: apply_box_fit(p, settings['box'])
                     for k, p in preds.items()}
        rows.append(score_row(name, settings, preds, times, gt))
        if raw is not None:
            rows[-1]['raw'] = raw
    return rows


def main(argv: Optional[List[str]] = None) -> int:
    """Run the comparison (or the tuning).

    Args:
        argv (List[str], optional): command-line arguments; sys.argv if None.

    Returns:
        int: exit status, 0 on success, 1 on unreadable input or a peer
        asked for by name that is not installed.
    """
    args = parse_args(argv)
    threads = (f'torch {torch.get_num_threads()} threads, OpenCV '
               f'{cv2.getNumThreads()} threads')
    try:
        peers = resolve_peers(args.detectors, args.device)
        if args.tune:
            results = dict(mode='tune', data_root=args.data_root,
                           threads=threads, peers=tune(peers, args))
        else:
            rows = compare(peers, args)
            results = dict(mode='compare', data_root=args.data_root,
                           split='val', threads=threads,
                           timing='median wall ms per image after one '
                           'warm-up call', rows=rows)
            print(f'\nWIDER FACE val AP (official protocol) on '
                  f'{args.data_root}; ms/img: median after 1 warm-up, '
                  f'{threads}')
            if peers and not args.raw_boxes:
                print('peer boxes mapped by their train box fit, box=width '
                      'scale/height scale/x shift/y shift (--raw-boxes: '
                      'without)')
            print(format_table(rows))
    except (PeerUnavailable, OSError, ValueError) as e:
        # A bad input is the user's to fix: name it, no traceback.
        print(f'{PROG}: error: {e}', file=sys.stderr)
        return 1
    if args.json:
        dump_json_atomic(results, args.json)
    return 0


if __name__ == '__main__':
    sys.exit(main())
