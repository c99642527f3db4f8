"""`mmfacerfcn.utils.tta`: the config's TTA for the Runner and for arrays.

The model is the sample config's with random weights: its boxes mean
nothing, but every check compares two ways of getting the same boxes.
"""
import copy
import os.path as osp

import cv2
import matplotlib
import numpy as np
import pytest
import torch
from mmdet.apis import init_detector
from mmengine.config import Config

from mmfacerfcn import register_all_modules
from mmfacerfcn.testing.configs import CONFIGS, write_random_checkpoint
from mmfacerfcn.utils.tta import (
    array_test_pipeline,
    check_tta_cfg,
    tta_predict,
    use_tta_in_runner_cfg,
    wrap_for_tta,
)

CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
PHOTO = osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg')
PACK = dict(type='PackDetInputs',
            meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                       'scale_factor', 'flip', 'flip_direction'))


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    register_all_modules()
    checkpoint = write_random_checkpoint(
        tmp_path_factory.mktemp('ckpt') / 'random.pth')
    return init_detector(Config.fromfile(CONFIG), checkpoint, device='cpu')


def one_view_tta_cfg(cfg, flip):
    """``cfg`` with a TTA of one view: the test scale, flipped or not."""
    cfg = copy.deepcopy(cfg)
    scale = [s['scale'] for s in cfg.test_pipeline if 'scale' in s][0]
    cfg.tta_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='TestTimeAug', transforms=[
            [dict(type='Resize', scale=scale, keep_ratio=True)],
            [dict(type='RandomFlip', prob=1. if flip else 0.)],
            [PACK]])]
    return cfg


def detections(sample):
    pred = sample.pred_instances
    order = torch.argsort(pred.scores, descending=True, stable=True)
    return pred.bboxes[order].numpy(), pred.scores[order].numpy()


def plain_predict(model, image):
    pipeline = array_test_pipeline(model.cfg)
    packed = pipeline(dict(img=image, img_id=0))
    with torch.no_grad():
        return model.test_step(dict(inputs=[packed['inputs']],
                                    data_samples=[packed['data_samples']]))[0]


def test_runner_cfg_wraps_the_model_and_swaps_the_pipeline():
    cfg = Config.fromfile(CONFIG)
    detector = copy.deepcopy(cfg.model)
    use_tta_in_runner_cfg(cfg, CONFIG)
    assert cfg.model.type == cfg.tta_model.type
    assert cfg.model.module == detector
    assert cfg.test_dataloader.dataset.pipeline == cfg.tta_pipeline


def test_a_config_without_tta_is_refused_by_name():
    cfg = Config.fromfile(CONFIG)
    cfg.pop('tta_model')
    with pytest.raises(ValueError, match=r'wider-sample\.py: defines no '
                       'tta_model'):
        use_tta_in_runner_cfg(cfg, CONFIG)
    cfg.pop('tta_pipeline')
    with pytest.raises(ValueError, match='tta_model or tta_pipeline'):
        check_tta_cfg(cfg, CONFIG)


def test_array_pipelines_load_from_arrays():
    cfg = Config.fromfile(CONFIG)
    image = cv2.imread(PHOTO)
    plain = array_test_pipeline(cfg)(dict(img=image, img_id=0))
    assert plain['inputs'].shape[0] == 3
    tta = array_test_pipeline(cfg, tta=True)(dict(img=image, img_id=0))
    # every scale of the TestTimeAug, each flipped and not
    scales = len(cfg.tta_pipeline[1].transforms[0])
    assert len(tta['inputs']) == len(tta['data_samples']) == 2 * scales
    assert {s.flip for s in tta['data_samples']} == {True, False}
    assert len({s.img_shape for s in tta['data_samples']}) == scales

    cfg.tta_pipeline = cfg.tta_pipeline[1:]
    with pytest.raises(ValueError, match='must start by loading the image'):
        array_test_pipeline(cfg, tta=True)


def test_one_unflipped_view_is_the_plain_prediction(model):
    """A TTA of the test scale alone merges one set of boxes, already through
    the same NMS: the plain prediction, box for box."""
    cfg = one_view_tta_cfg(model.cfg, flip=False)
    image = cv2.imread(PHOTO)
    merged = tta_predict(wrap_for_tta(model, cfg),
                         array_test_pipeline(cfg, tta=True), [image])
    assert len(merged) == 1
    boxes, scores = detections(merged[0])
    plain_boxes, plain_scores = detections(plain_predict(model, image))
    assert len(plain_boxes) > 0
    np.testing.assert_allclose(scores, plain_scores, atol=1e-6)
    np.testing.assert_allclose(boxes, plain_boxes, atol=1e-3)


def test_a_flipped_view_is_mirrored_back(model):
    """The flipped view of a picture is the plain prediction on the mirrored
    picture, mirrored back into the picture's pixels."""
    cfg = one_view_tta_cfg(model.cfg, flip=True)
    image = cv2.imread(PHOTO)
    width = image.shape[1]
    merged = tta_predict(wrap_for_tta(model, cfg),
                         array_test_pipeline(cfg, tta=True), [image])[0]
    boxes, scores = detections(merged)
    mirror_boxes, mirror_scores = detections(
        plain_predict(model, np.ascontiguousarray(image[:, ::-1])))
    expected = mirror_boxes.copy()
    expected[:, 0], expected[:, 2] = (width - mirror_boxes[:, 2],
                                      width - mirror_boxes[:, 0])
    assert len(expected) > 0
    np.testing.assert_allclose(scores, mirror_scores, atol=1e-6)
    np.testing.assert_allclose(boxes, expected, atol=1e-3)


def test_pictures_are_predicted_in_order(model):
    cfg = model.cfg
    tta_model = wrap_for_tta(model, cfg)
    assert tta_model.dataset_meta == model.dataset_meta
    pipeline = array_test_pipeline(cfg, tta=True)
    photo = cv2.imread(PHOTO)
    small = cv2.resize(photo, (200, 240))
    both = tta_predict(tta_model, pipeline, [photo, small])
    alone = tta_predict(tta_model, pipeline, [small])
    assert [s.ori_shape for s in both] == [photo.shape[:2], small.shape[:2]]
    for a, b in zip(detections(both[1]), detections(alone[0])):
        np.testing.assert_array_equal(a, b)
