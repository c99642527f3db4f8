"""Every face gets an RPN positive: with the configs' anchors and assigner,
each face of at least the smallest size the config is meant for has an
anchor assigned to it, wherever it lies on the stride-16 grid. With mmdet's
``min_pos_iou`` of 0.3, faces under about 16 px got none and were learned as
background (the check below shows that too)."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.registry import TASK_UTILS
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmfacerfcn.testing.configs import CONFIGS

SAMPLE = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
R101 = osp.join(CONFIGS, 'face_rfcn_r101_wider.py')


def faces_without_positive(cfg, smallest, num=300, featmap=(28, 38)):
    """Widths of the random faces (``smallest``-200 px, h / w 1-1.28) that
    get no positive anchor on a ``featmap`` grid of stride 16."""
    generator = TASK_UTILS.build(cfg.model.rpn_head.anchor_generator)
    assigner = TASK_UTILS.build(cfg.model.train_cfg.rpn.assigner)
    anchors = InstanceData(
        priors=generator.grid_priors([featmap], device='cpu')[0])
    height, width = 16 * featmap[0], 16 * featmap[1]
    rng = np.random.default_rng(0)
    w = np.exp(rng.uniform(np.log(smallest), np.log(200), num))
    h = w * rng.uniform(1, 1.28, num)
    x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
    missed = []
    for box in np.stack([x, y, x + w, y + h], axis=1):
        gt = InstanceData(bboxes=torch.from_numpy(box[None]).float(),
                          labels=torch.zeros(1, dtype=torch.long))
        if not (assigner.assign(anchors, gt).gt_inds == 1).any():
            missed.append(box[2] - box[0])
    return missed


@pytest.mark.parametrize('path, smallest', [(SAMPLE, 8), (R101, 10)],
                         ids=['sample, from 8 px', 'R101, from 10 px'])
def test_every_face_gets_a_positive_anchor(path, smallest):
    assert faces_without_positive(Config.fromfile(path), smallest) == []


def test_mmdet_min_pos_iou_left_small_faces_without():
    cfg = copy.deepcopy(Config.fromfile(R101))
    cfg.model.train_cfg.rpn.assigner.min_pos_iou = 0.3
    missed = faces_without_positive(cfg, 10)
    assert missed and max(missed) < 18
