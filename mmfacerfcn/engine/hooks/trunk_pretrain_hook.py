"""Pretrain the backbone on face / background crops before detection training."""
import time
from typing import Optional, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from mmdet.registry import HOOKS
from mmengine.dist import broadcast, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmfacerfcn.datasets.face_crops import FaceCropSampler


@HOOKS.register_module()
class TrunkPretrainHook(Hook):
    """Trains the detector's backbone as a face / background classifier on
    crops of its own training set, once, before the first iteration.

    A detector trained from scratch learns its features and its two heads at
    once, and with few pictures and iterations its classifiers stay near
    their priors for long. This hook stands in for the ImageNet weights that
    the full recipe starts from: the backbone, with a global average pool and
    a linear layer on its last output, learns to tell face crops from
    background crops (:class:`~mmfacerfcn.datasets.face_crops.FaceCropSampler`
    on the training set's own boxes) with AdamW and a one-cycle schedule; the
    linear layer is then dropped. Only the backbone's weights and its BN
    statistics change. Crops are normalised as the model's data preprocessor
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
                 seed: Optional[int] = None) -> None:
        if steps < 1 or batch_size < 2:
            raise ValueError(f'steps ({steps}) must be >= 1 and batch_size '
                             f'({batch_size}) >= 2')
        self.steps = steps
        self.batch_size = batch_size
        self.crop_size = crop_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.context = tuple(context)
        self.max_images = max_images
        self.log_interval = log_interval
        self.seed = seed
        self.history: Optional[dict] = None

    def _sampler(self, runner, seed: int) -> FaceCropSampler:
        """Crops of the training set's first ``max_images`` pictures."""
        dataset = runner.train_dataloader.dataset
        images, boxes = [], []
        for index in range(min(len(dataset), self.max_images)):
            info = dataset.get_data_info(index)
            images.append(mmcv.imread(info['img_path'], channel_order='bgr'))
            boxes.append(np.array(
                [inst['bbox'] for inst in info.get('instances', [])
                 if not inst.get('ignore_flag', 0)],
                dtype=np.float64).reshape(-1, 4))
        return FaceCropSampler(images, boxes, crop_size=self.crop_size,
                               context=self.context, seed=seed)

    def before_train(self, runner) -> None:
        if runner.iter > 0 or runner._load_from:
            runner.logger.info('TrunkPretrainHook: weights are loaded '
                               '(resume or load_from), no pretraining')
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        backbone = model.backbone
        device = next(backbone.parameters()).device
        preprocessor = model.data_preprocessor
        mean = preprocessor.mean.to(device).view(1, 3, 1, 1)
        std = preprocessor.std.to(device).view(1, 3, 1, 1)
        bgr_to_rgb = getattr(preprocessor, '_channel_conversion', False)

        seed = self.seed if self.seed is not None else (runner.seed or 0)
        sampler = self._sampler(runner, seed)
        rng = np.random.default_rng(seed + 1)
        gen = torch.Generator().manual_seed(seed)
        was_training = backbone.training
        # The width of the last output, probed in eval mode: a train-mode
        # probe would move BN's running statistics towards a zero picture.
        backbone.eval()
        with torch.no_grad():
            channels = backbone(torch.zeros(
                1, 3, self.crop_size, self.crop_size,
                device=device))[-1].shape[1]
        backbone.train()
        head = torch.nn.Linear(channels, 2)
        with torch.no_grad():
            bound = 1 / channels**0.5
            head.weight.uniform_(-bound, bound, generator=gen)
            head.bias.zero_()
        head = head.to(device)
        params = list(backbone.parameters()) + list(head.parameters())
        optimizer = torch.optim.AdamW(params, lr=self.lr,
                                      weight_decay=self.weight_decay)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, self.lr, total_steps=self.steps, pct_start=0.1)
        start, losses, accs = time.time(), [], []
        for step in range(1, self.steps + 1):
            crops, labels = sampler.sample(self.batch_size)
            x = torch.from_numpy(crops).to(device).permute(0, 3, 1, 2).float()
            if bgr_to_rgb:
                x = x.flip(1)
            n = len(x)
            gain = torch.from_numpy(rng.uniform(0.6, 1.4, (n, 1, 1, 1)))
            shift = torch.from_numpy(rng.uniform(-30, 30, (n, 1, 1, 1)))
            x = (x * gain.float().to(device) + shift.float().to(device))
            flip = torch.from_numpy(rng.random(n) < 0.5).to(device)
            x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
            x = (x - mean) / std
            y = torch.from_numpy(labels).to(device)
            logits = head(backbone(x)[-1].mean((2, 3)))
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
        backbone.train(was_training)
        if get_world_size() > 1:
            for tensor in list(backbone.parameters()) + list(
                    backbone.buffers()):
                broadcast(tensor.data, src=0)
        self.history = dict(loss=losses, acc=accs,
                            seconds=time.time() - start)
