"""Every model config builds, trains one step and predicts (tiny images, CPU).

Each ablation must change exactly what its name says; that is checked on the
built model.
"""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config

from mmfacerfcn.testing.batches import train_step_and_predict
from mmfacerfcn.testing.configs import CONFIGS

MAIN = osp.join(CONFIGS, 'face_rfcn_r101_wider.py')
# The R101 recipe's ablations; the sample's are in test_sample_configs.py.
ABLATIONS = sorted(glob.glob(osp.join(CONFIGS, 'ablations', 'face_rfcn_r101_*.py')))
BASELINE = osp.join(CONFIGS, 'faster_rcnn', 'faster_rcnn_r101_c4_wider.py')


def head(m):
    return m.roi_head.bbox_head


def sampler_type(cfg):
    return cfg.model.train_cfg.rcnn.sampler.type


# What each ablation must show on the built model, beyond building and running.
EXPECT = {
    'face_rfcn_r101_wider.py': lambda m, c: (
        type(head(m).cls_vote).__name__ == 'WeightedVote' and head(m).k == 7
        and sampler_type(c) == 'OHEMSampler'
        and c.model.train_cfg.rcnn.sampler.neg_pos_ub == 3
        and head(m).extra_block is None
        and m.roi_head.shared_head.layer4[0].conv2.dilation == (2, 2)),
    'face_rfcn_r101_vote-avg_wider.py': lambda m, c:
        type(head(m).cls_vote).__name__ == 'AverageVote',
    'face_rfcn_r101_vote-conv3x3_wider.py': lambda m, c:
        type(head(m).cls_vote).__name__ == 'ConvVote',
    'face_rfcn_r101_k3_wider.py': lambda m, c: head(m).k == 3
        and m.roi_head.bbox_roi_extractor.output_size == 3,
    'face_rfcn_r101_k5_wider.py': lambda m, c: head(m).k == 5
        and m.roi_head.bbox_roi_extractor.output_size == 5,
    'face_rfcn_r101_ohem-none_wider.py': lambda m, c:
        sampler_type(c) == 'RandomSampler',
    'face_rfcn_r101_ohem-rfcn_wider.py': lambda m, c:
        sampler_type(c) == 'RFCNOHEMSampler',
    'face_rfcn_r101_extra-block_wider.py': lambda m, c:
        head(m).extra_block is not None,
    'face_rfcn_r101_pspool_wider.py': lambda m, c: type(
        m.roi_head.bbox_roi_extractor.roi_layers[0]).__name__ == 'PSRoIPool',
    'face_rfcn_r101_mmcv-backend_wider.py': lambda m, c: type(
        m.roi_head.bbox_roi_extractor.roi_layers[0]).__name__ == 'MMCVPSRoIAlign',
    'faster_rcnn_r101_c4_wider.py': lambda m, c:
        type(m.roi_head).__name__ == 'StandardRoIHead'
        and m.roi_head.shared_head.layer4[0].conv2.stride == (2, 2),
}


def test_every_config_has_an_expectation():
    names = {osp.basename(p) for p in [MAIN, BASELINE, *ABLATIONS]}
    assert names == set(EXPECT)


@pytest.mark.parametrize('path', [MAIN, BASELINE, *ABLATIONS],
                         ids=lambda p: osp.basename(p))
def test_config_builds_trains_one_step_and_predicts(path):
    cfg = Config.fromfile(path)
    model_cfg = copy.deepcopy(cfg.model)
    # No ImageNet weights here: the real configs keep torchvision://resnet101.
    assert model_cfg.backbone.init_cfg.checkpoint == 'torchvision://resnet101'
    model_cfg.backbone.init_cfg = None
    model_cfg.roi_head.shared_head.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    assert EXPECT[osp.basename(path)](model, cfg)

    train_step_and_predict(model)
