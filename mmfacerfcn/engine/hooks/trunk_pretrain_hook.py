"""Pretrain the trunk on face / background crops before detection training."""
import time
from typing import Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from torch.nn.modules.batchnorm import _BatchNorm

from mmfacerfcn.data_formats.face_crops import FaceCropSampler

from .utils import annotated_boxes, broadcast_module, unwrap_model


def _train_with_batch_statistics(trunk: torch.nn.Module) -> None:
    """Train mode, BN layers included, every parameter trainable.

    A trunk configured with ``norm_eval=True`` keeps its BN layers in eval
    mode under ``train()``, and mmdet's ResNet freezes its first
    ``frozen_stages`` again at every ``train()``; on crops the pretraining
    must learn all of them (nothing else trains them), which detection
    training then uses frozen.
    """
    trunk.train()
    for module in trunk.modules():
        if isinstance(module, _BatchNorm):
            module.train()
    for param in trunk.parameters():
        param.requires_grad_(True)


@HOOKS.register_module()
class TrunkPretrainHook(Hook):
    """Trains the detector's trunk (its backbone, and res5 where the RoI head
    holds it) as a face / background classifier on crops of its own training
    set, once, before the first iteration.

    A detector trained from scratch learns its features and its two heads at
    once, and with few pictures and iterations its classifiers stay near
    their priors for long. This hook stands in for the ImageNet weights that
    the full recipe starts from: the trunk (``modules``), with a global
    average pool and a linear layer on its last output, learns to tell face crops from
    background crops (:class:`~mmfacerfcn.data_formats.face_crops.FaceCropSampler`
    on the training set's own boxes) with AdamW and a one-cycle schedule; the
    linear layer is then dropped. Only the weights and BN statistics of
    ``modules`` change. BN layers learn their statistics here even where the
    config freezes them for detection training (``norm_eval=True``, as the
    sample config does: batches of 2 pictures give poor statistics), and are
    left in the mode they had; so are the weights that detection training
    freezes (the backbone's ``frozen_stages``): they learn here, then are
    frozen again. Crops are normalised as the model's data preprocessor
    normalises pictures, flipped and jittered in brightness and contrast.

    Nothing happens when training resumes (``runner.iter > 0``) or starts from
    ``load_from``: those weights are already trained. In distributed
    training every process pretrains alike and rank 0's weights are then
    broadcast.

    Args:
        steps (int): Optimiser steps. Defaults to 300.
        batch_size (int): Crops per step, half of them faces on average.
            Defaults to 32.
        crop_size (int): Side of a crop, px. Defaults to 48.
        lr (float): Peak learning rate of the one-cycle schedule.
            Defaults to 2e-3.
        weight_decay (float): AdamW's weight decay. Defaults to 0.05.
        context (Tuple[float, float]): Range of a face crop's side over the
            face's longer side. Defaults to (1.5, 3.0).
        max_images (int): Pictures of the training set to crop from (the
            first ones; they are decoded once, up front). Defaults to 1000.
        log_interval (int): Steps between log lines. Defaults to 50.
        seed (int, optional): Seed of the crops, their jitter and the linear
            layer. Defaults to None: the runner's seed (``randomness.seed``).
        modules (Sequence[str], optional): Dotted paths of the detector's
            modules to pretrain, applied one after the other to a crop (the
            last output of one that returns several feeds the next). Defaults
            to None: the backbone, then the RoI head's shared head where it
            has one (res5 of R-FCN and of Faster R-CNN C4), so the whole
            trunk is pretrained.
        hard_negatives (int): Background candidates scored (without
            gradient) per step; when above 0, half of a batch's background
            crops are the ones of them that the classifier takes most for a
            face, the rest random. Defaults to 0 (all random).
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 steps: int = 300,
                 batch_size: int = 32,
                 crop_size: int = 48,
                 lr: float = 2e-3,
                 weight_decay: float = 0.05,
                 context: Tuple[float, float] = (1.5, 3.0),
                 max_images: int = 1000,
                 log_interval: int = 50,
                 seed: Optional[int] = None,
                 modules: Optional[Sequence[str]] = None,
                 hard_negatives: int = 0) -> None:
        if steps < 1 or batch_size < 2:
            raise ValueError(f'steps ({steps}) must be >= 1 and batch_size '
                             f'({batch_size}) >= 2')
        if (modules is not None and not modules) or hard_negatives < 0:
            raise ValueError(f'modules ({modules!r}) must name at least one '
                             f'module and hard_negatives ({hard_negatives}) '
                             'must be >= 0')
        self.steps = steps
        self.batch_size = batch_size
        self.crop_size = crop_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.context = tuple(context)
        self.max_images = max_images
        self.log_interval = log_interval
        self.seed = seed
        self.modules = None if modules is None else tuple(modules)
        self.hard_negatives = hard_negatives
        self.history: Optional[dict] = None

    def _sampler(self, runner, seed: int) -> FaceCropSampler:
        """Crops of the training set's first ``max_images`` pictures."""
        dataset = runner.train_dataloader.dataset
        images, boxes = [], []
        for index in range(min(len(dataset), self.max_images)):
            info = dataset.get_data_info(index)
            images.append(mmcv.imread(info['img_path'], channel_order='bgr'))
            boxes.append(annotated_boxes(info)[0])
        return FaceCropSampler(images, boxes, crop_size=self.crop_size,
                               context=self.context, seed=seed)

    def before_train(self, runner) -> None:
        if runner.iter > 0 or runner._load_from:
            runner.logger.info('TrunkPretrainHook: weights are loaded '
                               '(resume or load_from), no pretraining')
            return
        model = unwrap_model(runner)
        paths = self.modules
        if paths is None:
            paths = ('backbone', )
            if getattr(model, 'roi_head', None) is not None and getattr(
                    model.roi_head, 'with_shared_head', False):
                paths += ('roi_head.shared_head', )
        chain = [model.get_submodule(path) for path in paths]
        trunk = torch.nn.ModuleList(chain)
        device = next(trunk.parameters()).device
        preprocessor = model.data_preprocessor
        mean = preprocessor.mean.to(device).view(1, 3, 1, 1)
        std = preprocessor.std.to(device).view(1, 3, 1, 1)
        bgr_to_rgb = getattr(preprocessor, '_channel_conversion', False)
        seed = self.seed if self.seed is not None else (runner.seed or 0)
        sampler = self._sampler(runner, seed)
        rng = np.random.default_rng(seed + 1)
        gen = torch.Generator().manual_seed(seed)
        modes = [m.training for m in trunk.modules()]
        frozen = [p for p in trunk.parameters() if not p.requires_grad]

        def features(x: torch.Tensor) -> torch.Tensor:
            for module in chain:
                x = module(x)
                if isinstance(x, (list, tuple)):
                    x = x[-1]
            return x.mean((2, 3))

        def prepare(crops: np.ndarray, augment: bool) -> torch.Tensor:
            x = torch.from_numpy(crops).to(device).permute(0, 3, 1, 2).float()
            if bgr_to_rgb:
                x = x.flip(1)
            if augment:
                n = len(x)
                gain = torch.from_numpy(rng.uniform(0.6, 1.4, (n, 1, 1, 1)))
                shift = torch.from_numpy(rng.uniform(-30, 30, (n, 1, 1, 1)))
                x = (x * gain.float().to(device) + shift.float().to(device))
                flip = torch.from_numpy(rng.random(n) < 0.5).to(device)
                x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
            return (x - mean) / std

        # The width of the last output, probed in eval mode: a train-mode
        # probe would move BN's running statistics towards a zero picture.
        trunk.eval()
        with torch.no_grad():
            channels = features(torch.zeros(
                1, 3, self.crop_size, self.crop_size, device=device)).shape[1]
        _train_with_batch_statistics(trunk)
        head = torch.nn.Linear(channels, 2)
        with torch.no_grad():
            bound = 1 / channels**0.5
            head.weight.uniform_(-bound, bound, generator=gen)
            head.bias.zero_()
        head = head.to(device)
        params = list(trunk.parameters()) + list(head.parameters())
        optimizer = torch.optim.AdamW(params, lr=self.lr,
                                      weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, self.lr, total_steps=self.steps, pct_start=0.1)
        start, losses, accs = time.time(), [], []
        for step in range(1, self.steps + 1):
            crops, labels = sampler.sample(self.batch_size)
            if self.hard_negatives:
                crops = self._mine(crops, labels, sampler, trunk, head,
                                   features, prepare)
            x = prepare(crops, augment=True)
            y = torch.from_numpy(labels).to(device)
            logits = head(features(x))
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            accs.append(float((logits.argmax(1) == y).float().mean()))
            if step % self.log_interval == 0 or step == self.steps:
                runner.logger.info(
                    f'TrunkPretrainHook: step {step}/{self.steps} loss '
                    f'{np.mean(losses[-self.log_interval:]):.4f} acc '
                    f'{100 * np.mean(accs[-self.log_interval:]):.1f} '
                    f'({time.time() - start:.0f} s)')
        optimizer.zero_grad(set_to_none=True)
        for param in frozen:
            param.requires_grad_(False)
        for module, mode in zip(trunk.modules(), modes):
            module.training = mode
        broadcast_module(trunk)
        self.history = dict(loss=losses, acc=accs,
                            seconds=time.time() - start)

    def _mine(self, crops: np.ndarray, labels: np.ndarray,
              sampler: FaceCropSampler, trunk: torch.nn.Module,
              head: torch.nn.Module, features, prepare) -> np.ndarray:
        """Replace half of the batch's background crops by the
        ``hard_negatives`` candidates that the classifier scores highest as
        faces (bootstrapping, as classical face detectors are trained)."""
        slots = np.flatnonzero(labels == 0)[:(labels == 0).sum() // 2]
        if not len(slots):
            return crops
        pool = np.stack([sampler.background_crop()
                         for _ in range(max(self.hard_negatives, len(slots)))])
        # Eval mode: scoring must not move BN's running statistics.
        trunk.eval()
        with torch.no_grad():
            logits = head(features(prepare(pool, augment=False)))
        _train_with_batch_statistics(trunk)
        margin = (logits[:, 1] - logits[:, 0]).cpu().numpy()
        crops = crops.copy()
        crops[slots] = pool[np.argsort(-margin, kind='stable')[:len(slots)]]
        return crops
