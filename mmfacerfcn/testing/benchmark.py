"""Timing and memory helpers shared by ``tools/analysis_tools/benchmark.py``
and ``tools/analysis_tools/benchmark_ps_roi.py``.

They build detectors and time our PS RoI extractor against the naive
reference, so they sit above the models, beside the other test helpers.

Three groups:

- ``timed``, ``random_boxes``, ``random_rois``: median wall time (CUDA
  synchronised) and seeded boxes inside an image.
- ``ps_roi_timings``, ``ps_roi_lines``: PS RoI pooling alone, each backend
  (:data:`PS_ROI_BACKENDS`) and the naive loop reference.
- ``load_benchmark_cfg``, ``build_random_model``, ``load_test_image``,
  ``fixed_proposals``, ``measure_training``, ``measure_training_in_child``: a
  detector with random weights (no download), one image through a config's own
  test pipeline, exactly ``N`` proposals, and a training iteration's time and
  peak memory measured in a fresh process.
"""
import contextlib
import copy
import logging
import multiprocessing
import os.path as osp
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmcv.transforms import Compose
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.utils import get_test_pipeline_cfg, register_all_modules
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData
from torch import nn

from ..models.roi_heads.roi_extractors import PSRoIExtractor
from ..utils.memory import peak_rss_mib, release_freed_memory, rss_mib
from .ps_roi_reference import ps_roi_align_reference

# (backend, layer) pairs ps_roi_timings times, in its rows' order. 'onnx' is
# GridSamplePSRoIAlign run eagerly: what an exported graph computes, timed
# against torchvision's dedicated kernel.
PS_ROI_BACKENDS = (('torchvision', 'PSRoIAlign'), ('mmcv', 'PSRoIAlign'),
                   ('onnx', 'PSRoIAlign'), ('torchvision', 'PSRoIPool'))

# Ground-truth faces of the training batch, as fractions (x1, y1, x2, y2) of
# the resized image: a few sizes, so RPN and RoI sampling see positives.
TRAIN_FACES = ((0.40, 0.15, 0.60, 0.45), (0.10, 0.55, 0.22, 0.75),
               (0.70, 0.60, 0.78, 0.72))


def _is_cuda(device: str) -> bool:
    return torch.device(device).type == 'cuda'


def _sync(device: str) -> None:
    if _is_cuda(device):
        torch.cuda.synchronize()


def timed(fn: Callable[[], object], device: str, repeats: int,
          warmup: int = 3) -> float:
    """Median wall time of ``fn()`` in milliseconds.

    Args:
        fn (Callable): Called ``warmup + repeats`` times, no arguments.
        device (str): ``'cpu'``, ``'cuda'`` or ``'cuda:i'``; on CUDA each run
            is bracketed by ``torch.cuda.synchronize()``, so queued kernels
            count.
        repeats (int): Timed runs (at least 1).
        warmup (int): Untimed runs first. Defaults to 3.

    Returns:
        float: The median of ``repeats`` runs, in ms.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(repeats, 1)):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def random_boxes(n: int, img_h: int, img_w: int, gen: torch.Generator,
                 min_side: float = 8., max_side: float = 400.) -> torch.Tensor:
    """``n`` seeded boxes inside an ``img_h x img_w`` image.

    Sides are uniform in ``[min_side, max_side]``, both capped by the image's
    side on that axis.

    Args:
        n (int): Number of boxes.
        img_h (int): Image height in pixels.
        img_w (int): Image width in pixels.
        gen (torch.Generator): CPU generator, consumed for ``4 * n`` numbers.
        min_side (float): Smallest side. Defaults to 8.
        max_side (float): Largest side. Defaults to 400.

    Returns:
        Tensor: shape (n, 4), ``(x1, y1, x2, y2)`` with
        ``0 <= x1 < x2 <= img_w`` and ``0 <= y1 < y2 <= img_h``.
    """
    size = torch.tensor([img_w, img_h], dtype=torch.float32)
    high = size.clamp(max=max_side)
    low = size.clamp(max=min_side)
    wh = low + torch.rand(n, 2, generator=gen) * (high - low)
    xy = torch.rand(n, 2, generator=gen) * (size - wh)
    return torch.cat([xy, xy + wh], dim=1)


def random_rois(n: int, height: int, width: int, stride: int,
                gen: torch.Generator) -> torch.Tensor:
    """``n`` RoIs (batch 0) with sides of 8 to 400 pixels inside the image.

    Args:
        n (int): Number of RoIs.
        height (int): Score-map height; the image is ``stride`` times larger.
        width (int): Score-map width.
        stride (int): Image pixels per score-map cell.
        gen (torch.Generator): CPU generator.

    Returns:
        Tensor: shape (n, 5), ``(0, x1, y1, x2, y2)`` in image pixels.
    """
    boxes = random_boxes(n, height * stride, width * stride, gen)
    return torch.cat([torch.zeros(n, 1), boxes], dim=1)


def ps_roi_timings(device: str = 'cpu',
                   k: int = 7,
                   rois: Sequence[int] = (300, 1000),
                   repeats: int = 10,
                   warmup: int = 3,
                   groups: int = 6,
                   map_hw: Tuple[int, int] = (64, 86),
                   stride: int = 16,
                   naive_rois: int = 4,
                   seed: int = 0) -> Dict:
    """Time PS RoI pooling alone: every backend of :data:`PS_ROI_BACKENDS`,
    forward and forward+backward.

    Score maps are random, of R-FCN's shape (defaults: stride 16 of a
    1024 x 1376 image, ``(C + 5) * k * k = 294`` channels); RoIs come from
    :func:`random_rois`. The naive loop reference
    (:func:`mmfacerfcn.testing.ps_roi_align_reference`, float64 on CPU) is
    timed once on ``naive_rois`` RoIs, for orientation.

    Args:
        device (str): Where maps and RoIs live. Defaults to ``'cpu'``.
        k (int): Bins per side. Defaults to 7.
        rois (Sequence[int]): RoI counts to time. Defaults to (300, 1000).
        repeats (int): Timed runs per figure (median). Defaults to 10.
        warmup (int): Untimed runs before them. Defaults to 3.
        groups (int): Channel groups ``G`` (C + 1 classes + 4 box deltas).
            Defaults to 6.
        map_hw (tuple[int, int]): Score-map height and width. Defaults to
            (64, 86).
        stride (int): Image pixels per map cell. Defaults to 16.
        naive_rois (int): RoIs for the naive reference. Defaults to 4.
        seed (int): Seed of maps and RoIs. Defaults to 0.

    Returns:
        dict: ``device``, ``k``, ``map`` (the map's shape), ``timings`` (one
        dict per backend and count: ``backend``, ``layer``, ``rois``,
        ``forward_ms``, ``forward_backward_ms``) and
        ``naive_reference_ms_per_roi``.
    """
    gen = torch.Generator().manual_seed(seed)
    h, w = map_hw
    feat = torch.randn(1, groups * k * k, h, w, generator=gen).to(device)
    results = dict(device=device, k=k, map=list(feat.shape), timings=[])
    for n in rois:
        boxes = random_rois(n, h, w, stride, gen).to(device)
        for backend, layer in PS_ROI_BACKENDS:
            roi_layer = dict(type=layer, output_size=k)
            if layer == 'PSRoIAlign':
                roi_layer['sampling_ratio'] = 2
            ext = PSRoIExtractor(roi_layer=roi_layer, backend=backend,
                                 featmap_strides=[stride]).to(device)
            x = feat.clone().requires_grad_(True)

            def fwd():
                with torch.no_grad():
                    ext((x, ), boxes)

            def fwd_bwd():
                ext((x, ), boxes).sum().backward()

            results['timings'].append(dict(
                backend=backend, layer=layer, rois=n,
                forward_ms=timed(fwd, device, repeats, warmup),
                forward_backward_ms=timed(fwd_bwd, device, repeats, warmup)))
    few = random_rois(naive_rois, h, w, stride, gen)
    cpu_feat = feat.detach().cpu().double()
    naive_ms = timed(
        lambda: ps_roi_align_reference(cpu_feat, few, k, 1 / stride, 2),
        'cpu', 1, warmup=0)
    results['naive_reference_ms_per_roi'] = naive_ms / naive_rois
    return results


def ps_roi_lines(results: Dict) -> List[str]:
    """Readable lines for a :func:`ps_roi_timings` result."""
    lines = [
        f'{row["layer"]:<10} {row["backend"]:<11} rois={row["rois"]:<5} '
        f'forward {row["forward_ms"]:8.2f} ms   '
        f'forward+backward {row["forward_backward_ms"]:8.2f} ms'
        for row in results['timings']
    ]
    lines.append('naive loop reference (CPU): '
                 f'{results["naive_reference_ms_per_roi"]:.1f} ms per RoI')
    return lines


def default_image() -> str:
    """matplotlib's sample photo (a portrait: one face)."""
    import matplotlib
    return osp.join(matplotlib.get_data_path(), 'sample_data',
                    'grace_hopper.jpg')


def config_name(path: str) -> str:
    """A config's file name without ``.py``: its name in tables and JSON."""
    return osp.splitext(osp.basename(path))[0]


def drop_pretrained(node: object) -> None:
    """Set every ``Pretrained`` ``init_cfg`` in a config tree to None.

    Walks dicts and lists in place; a list of init configs loses its
    ``Pretrained`` entries. ``pretrained=`` keys are cleared too, so
    ``init_weights()`` never downloads.

    Args:
        node (dict | list): A config (sub)tree, e.g. ``cfg.model``.
    """
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None
        elif isinstance(init, list):
            node['init_cfg'] = [
                c for c in init
                if not (isinstance(c, dict) and c.get('type') == 'Pretrained')
            ] or None
        if node.get('pretrained') is not None:
            node['pretrained'] = None
        for value in node.values():
            drop_pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            drop_pretrained(value)


def load_benchmark_cfg(path: str,
                       scale: Optional[Sequence[int]] = None,
                       max_rois: Optional[int] = None) -> Config:
    """A config ready for random-weight benchmarking.

    Args:
        path (str): Config file.
        scale (Sequence[int], optional): ``(long, short)`` to put in the test
            pipeline's ``Resize`` instead of its own (keep-ratio semantics:
            the largest size with long side <= ``long``, short <= ``short``).
        max_rois (int, optional): Proposals the RPN keeps at test time
            (``test_cfg.rpn.max_per_img``), so it can deliver this many.

    Returns:
        Config: ``Pretrained`` init removed from the model.
    """
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(path)
    drop_pretrained(cfg.model)
    if scale is not None:
        for step in get_test_pipeline_cfg(cfg):
            if step['type'].split('.')[-1] == 'Resize':
                step['scale'] = tuple(scale)
    if max_rois is not None:
        cfg.model.test_cfg.rpn.max_per_img = max_rois
    return cfg


def build_random_model(cfg: Config, device: str) -> nn.Module:
    """Build ``cfg.model`` with random (initialised) weights on ``device``.

    mmengine's per-parameter init report is silenced (it logs at INFO).
    """
    model = MODELS.build(cfg.model)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.to(device)


def load_test_image(cfg: Config, img_path: str) -> Dict:
    """One image through the config's test pipeline, without annotations.

    Args:
        cfg (Config): From :func:`load_benchmark_cfg`.
        img_path (str): Image file.

    Returns:
        dict: ``inputs`` (list with one uint8 tensor (3, H, W), resized) and
        ``data_samples`` (list with one DetDataSample), as a dataloader gives.
    """
    pipeline = Compose(get_test_pipeline_cfg(cfg))
    packed = pipeline(dict(img_path=img_path, img_id=0))
    return dict(inputs=[packed['inputs']],
                data_samples=[packed['data_samples']])


def fixed_proposals(proposals: InstanceData, num: int,
                    img_shape: Tuple[int, int], seed: int = 0) -> InstanceData:
    """Exactly ``num`` proposals: the best RPN ones, padded if too few.

    Args:
        proposals (InstanceData): RPN output for one image, with ``bboxes``
            (m, 4) and ``scores`` (m, ).
        num (int): Proposals wanted.
        img_shape (tuple[int, int]): ``(h, w)`` of the image the boxes live
            in (the resized one, for RPN output with ``rescale=False``).
        seed (int): Seed of the padding boxes. Defaults to 0.

    Returns:
        InstanceData: ``bboxes`` (num, 4), ``scores`` (num, ) and ``labels``
        (num, ): the ``min(m, num)`` highest-scoring proposals in descending
        score order, then ``num - m`` seeded :func:`random_boxes` inside the
        image with score 0.
    """
    scores, order = proposals.scores.sort(descending=True, stable=True)
    order, scores = order[:num], scores[:num]
    bboxes = proposals.bboxes[order]
    missing = num - len(order)
    if missing > 0:
        gen = torch.Generator().manual_seed(seed)
        pad = random_boxes(missing, img_shape[0], img_shape[1], gen)
        bboxes = torch.cat([bboxes, pad.to(bboxes)])
        scores = torch.cat([scores, scores.new_zeros(missing)])
    result = InstanceData()
    result.bboxes = bboxes
    result.scores = scores
    result.labels = torch.zeros(num, dtype=torch.long, device=bboxes.device)
    return result


def amp_context(device: str, amp: bool):
    """Autocast for ``--amp``: fp16 on CUDA; on CPU none (a null context).

    bf16 autocast on CPU is left off: mmcv's CPU RoIAlign (Faster R-CNN's
    extractor) has no bf16 kernel, and both models must run alike.
    """
    if amp and _is_cuda(device):
        return torch.autocast(device_type='cuda', dtype=torch.float16)
    return contextlib.nullcontext()


def amp_name(device: str, amp: bool) -> str:
    """``'fp16'`` when :func:`amp_context` autocasts, else ``'off'``."""
    return 'fp16' if amp and _is_cuda(device) else 'off'


def train_batch(packed: Dict, batch_size: int) -> Dict:
    """A training batch: the packed image ``batch_size`` times, with faces.

    Args:
        packed (dict): From :func:`load_test_image`.
        batch_size (int): Images in the batch.

    Returns:
        dict: ``inputs`` and ``data_samples`` (with ``gt_instances``: the
        :data:`TRAIN_FACES` boxes in resized pixels, label 0).
    """
    img = packed['inputs'][0]
    meta = packed['data_samples'][0].metainfo
    h, w = meta['img_shape']
    boxes = torch.tensor(TRAIN_FACES) * torch.tensor([w, h, w, h])
    samples = []
    for i in range(batch_size):
        sample = DetDataSample(metainfo=dict(meta, img_id=i))
        gt = InstanceData()
        gt.bboxes = boxes.clone()
        gt.labels = torch.zeros(len(boxes), dtype=torch.long)
        sample.gt_instances = gt
        samples.append(sample)
    return dict(inputs=[img] * batch_size, data_samples=samples)


def measure_training(config: str, img_path: str, device: str = 'cpu',
                     amp: bool = False, batch_size: int = 2, iters: int = 3,
                     scale: Optional[Sequence[int]] = None,
                     seed: int = 0, threads: Optional[int] = None) -> Dict:
    """Time training iterations of a random-weight detector; peak memory.

    One iteration: ``model.loss`` (under :func:`amp_context`),
    ``model.parse_losses``, backward (through a GradScaler with fp16), an SGD
    step. One warm-up iteration, then ``iters`` timed ones.

    Peak memory: on CUDA ``torch.cuda.max_memory_allocated`` since a reset
    just before the warm-up (weights, gradients, momentum and activations).
    On CPU the peak RSS of the whole process (``VmHWM``: interpreter and
    libraries, model build, training); meaningful in a fresh process, see
    :func:`measure_training_in_child`.

    Memory after each timed iteration: on CUDA ``memory_allocated`` (what
    stays between iterations: weights, gradients, momentum, anything kept by
    mistake), on CPU the RSS after :func:`release_freed_memory` (what is
    still allocated, not what glibc keeps for reuse). Its growth from the
    first timed iteration to the last shows whether training keeps memory it
    should let go.

    Args:
        config (str): Config file.
        img_path (str): Image for the batch.
        device (str): Defaults to ``'cpu'``.
        amp (bool): Mixed precision (fp16 on CUDA only). Defaults to False.
        batch_size (int): Images per batch. Defaults to 2.
        iters (int): Timed iterations (median). Defaults to 3.
        scale (Sequence[int], optional): See :func:`load_benchmark_cfg`.
        seed (int): Seed of the weights. Defaults to 0.
        threads (int, optional): ``torch.set_num_threads`` first, if given.

    Returns:
        dict: ``iter_ms``, ``img_per_s`` (batch over the median time),
        ``peak_mem_mib``, ``mem_kind`` (how peak was measured),
        ``rss_before_train_mib`` (CPU: RSS after the build, before the first
        iteration; else None), ``mem_after_iter_mib`` (list, one per timed
        iteration), ``mem_growth_mib`` (its last minus its first), ``batch``.
    """
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    cfg = load_benchmark_cfg(config, scale)
    model = build_random_model(cfg, device)
    model.train()
    data = model.data_preprocessor(
        train_batch(load_test_image(cfg, img_path), batch_size), True)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=1e-4, momentum=0.9)
    cuda = _is_cuda(device)
    scaler = torch.amp.GradScaler('cuda', enabled=amp and cuda)

    def step(samples):
        with amp_context(device, amp):
            losses = model.loss(data['inputs'], samples)
        loss, _ = model.parse_losses(losses)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    rss_before = None if cuda else rss_mib()
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    times, after = [], []
    for i in range(iters + 1):
        samples = copy.deepcopy(data['data_samples'])
        _sync(device)
        start = time.perf_counter()
        step(samples)
        _sync(device)
        if i:  # the first is the warm-up
            times.append((time.perf_counter() - start) * 1e3)
            if not cuda:
                release_freed_memory()
            after.append(torch.cuda.memory_allocated(device) /
                         2**20 if cuda else rss_mib())
    if cuda:
        peak = torch.cuda.max_memory_allocated(device) / 2**20
        kind = 'cuda max_memory_allocated'
    else:
        peak, kind = peak_rss_mib(), 'peak RSS of a fresh process'
    iter_ms = statistics.median(times)
    return dict(iter_ms=iter_ms, img_per_s=batch_size * 1e3 / iter_ms,
                peak_mem_mib=peak, mem_kind=kind,
                rss_before_train_mib=rss_before, mem_after_iter_mib=after,
                mem_growth_mib=after[-1] - after[0], batch=batch_size)


def measure_training_in_child(**kwargs) -> Dict:
    """:func:`measure_training` in a fresh process.

    The child builds and trains nothing else, so its peak RSS is the
    training's (plus interpreter and libraries), untouched by whatever the
    caller already holds. It is forked from a ``forkserver`` that has only
    imported this module (so the imports are paid once for all children),
    or spawned where there is no forkserver.

    Args:
        **kwargs: Passed to :func:`measure_training`.

    Returns:
        dict: Its result.
    """
    if 'forkserver' in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context('forkserver')
        ctx.set_forkserver_preload([__name__])
    else:
        ctx = multiprocessing.get_context('spawn')
    with ctx.Pool(1) as pool:
        return pool.apply(measure_training, kwds=kwargs)
