"""ONNXFaceRFCN: mmdet's detections in eager PyTorch, the same in onnxruntime.

The sample config's model with seeded random weights, its RPN and RoI
classifiers' last convs drawn wider (std 0.5 instead of 0.01) so that scores
spread out and survive the config's own thresholds: the comparisons hold
over 100 detections per picture, not an empty list. Two real pictures of
different sizes (Grace Hopper 600x512, the astronaut 512x512) go through the
config's test pipeline at scale (320, 256): 300x256 and 256x256. The
model takes 300 RPN proposals a picture, not the sample's 1000
(:data:`~mmfacerfcn.testing.onnx_files.DEPLOY_TEST_PROPOSALS`).
"""
import copy
import os.path as osp

import cv2
import matplotlib
import numpy as np
import pytest
import skimage.data
import torch
import torch.nn.functional as F
from mmcv.transforms import Compose
from mmdet.utils import get_test_pipeline_cfg

from mmfacerfcn.deployment import (
    NotExportableError,
    ONNXFaceRFCN,
    check_onnx_file,
    export_onnx,
    non_standard_ops,
)
from mmfacerfcn.testing.benchmark import build_random_model, load_benchmark_cfg
from mmfacerfcn.testing.configs import CONFIGS
from mmfacerfcn.testing.detections import assert_same_detections
from mmfacerfcn.testing.onnx_files import (
    DEPLOY_TEST_PROPOSALS,
    spread_score_detector,
)

onnx = pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')
pytest.importorskip('onnxscript')

CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
SCALE = (320, 256)
MIN_DETECTIONS = 20


def sample_cfg(**roi_layer):
    cfg = load_benchmark_cfg(CONFIG, scale=SCALE)
    cfg.model.test_cfg.rpn.max_per_img = DEPLOY_TEST_PROPOSALS
    cfg.model.roi_head.bbox_roi_extractor.roi_layer.update(roi_layer)
    return cfg


@pytest.fixture(scope='module')
def cfg():
    return sample_cfg()


@pytest.fixture(scope='module')
def detector(cfg):
    return spread_score_detector(cfg)


@pytest.fixture(scope='module')
def wrapper(detector):
    return ONNXFaceRFCN(detector)


@pytest.fixture(scope='module')
def packed(cfg):
    """The two pictures through the test pipeline, as the dataloader packs."""
    steps = [dict(type='mmdet.LoadImageFromNDArray')] + [
        s for s in get_test_pipeline_cfg(cfg)[1:]
        if s['type'] != 'LoadAnnotations'
    ]
    pipeline = Compose(steps)
    grace = cv2.imread(
        osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg'))
    astronaut = np.ascontiguousarray(skimage.data.astronaut()[..., ::-1])
    results = [pipeline(dict(img=img, img_id=i))
               for i, img in enumerate((grace, astronaut))]
    assert [r['data_samples'].img_shape for r in results] == [(300, 256),
                                                              (256, 256)]
    return results


def batch_of(items):
    """Wrapper inputs: the resized images at the top left of one tensor."""
    shapes = torch.tensor([p['data_samples'].img_shape for p in items])
    height, width = shapes.max(0).values.tolist()
    images = torch.stack([
        F.pad(p['inputs'].float(), (0, width - p['inputs'].shape[2], 0,
                                    height - p['inputs'].shape[1]))
        for p in items
    ])
    return images, shapes


def mmdet_predict(detector, items):
    """mmdet's own path, boxes in resized pixels, one (n, 5) per image."""
    data = detector.data_preprocessor(
        dict(inputs=[p['inputs'] for p in items],
             data_samples=[p['data_samples'] for p in items]), False)
    with torch.no_grad():
        results = detector.predict(data['inputs'], data['data_samples'],
                                   rescale=False)
    return [
        torch.cat([r.pred_instances.bboxes, r.pred_instances.scores[:, None]],
                  dim=1) for r in results
    ]


def split(dets, batch_idx, num_images):
    dets, batch_idx = torch.as_tensor(dets), torch.as_tensor(batch_idx)
    return [dets[batch_idx == i] for i in range(num_images)]


def assert_same(actual, expected):
    """(n, 5) detections: every box of each side has one on the other at
    IoU > 0.99 with a score within 1e-4."""
    assert_same_detections(dict(bboxes=actual[:, :4], scores=actual[:, 4]),
                           dict(bboxes=expected[:, :4],
                                scores=expected[:, 4]))


@pytest.fixture(scope='module')
def onnx_file(wrapper, tmp_path_factory):
    path = str(tmp_path_factory.mktemp('onnx') / 'face_rfcn.onnx')
    export_onnx(wrapper, path, dynamic_batch=True)
    return path


@pytest.fixture(scope='module')
def session(onnx_file):
    return ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])


def test_eager_wrapper_matches_mmdet_predict(detector, wrapper, packed):
    for item in packed:
        # Unpadded (300 rows): the graph pads to the preprocessor's divisor.
        images, shapes = batch_of([item])
        (expected, ) = mmdet_predict(detector, [item])
        with torch.no_grad():
            dets, labels, batch_idx = wrapper(images, shapes)
        assert len(expected) > MIN_DETECTIONS
        assert_same(dets, expected)
        assert (labels == 0).all() and (batch_idx == 0).all()
    # Two images padded to one size, as mmdet's batch; mmdet's per-image NMS
    # against the graph's one NMS over offset boxes.
    images, shapes = batch_of(packed)
    with torch.no_grad():
        dets, _, batch_idx = wrapper(images, shapes)
    for ours, theirs in zip(split(dets, batch_idx, 2),
                            mmdet_predict(detector, packed)):
        assert_same(ours, theirs)


def test_padding_is_ignored(wrapper, packed):
    """Pixels in the padded area do not change the detections: the graph
    sets them to the preprocessor's pad value, as mmdet pads."""
    images, shapes = batch_of(packed)
    noisy = images.clone()
    noisy[1, :, 256:] = 255.
    with torch.no_grad():
        clean = wrapper(images, shapes)
        dirty = wrapper(noisy, shapes)
    for a, b in zip(clean, dirty):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_no_detection_is_an_empty_result(packed):
    """Nothing above score_thr: empty outputs of the right shapes, as
    mmdet's, not an error (the max of no boxes in the NMS offset)."""
    cfg = sample_cfg()
    cfg.model.test_cfg.rcnn.score_thr = 1.0
    torch.manual_seed(0)
    wrapper = ONNXFaceRFCN(build_random_model(cfg, 'cpu'))
    with torch.no_grad():
        dets, labels, batch_idx = wrapper(*batch_of(packed))
    assert dets.shape == (0, 5) and labels.shape == batch_idx.shape == (0, )


def test_onnxruntime_matches_wrapper(wrapper, session, packed):
    for items in ([packed[0]], [packed[1]], packed):
        images, shapes = batch_of(items)
        with torch.no_grad():
            expected = wrapper(images, shapes)
        dets, labels, batch_idx = session.run(
            None, dict(images=images.numpy(), img_shapes=shapes.numpy()))
        assert len(dets) > MIN_DETECTIONS * len(items)
        for ours, theirs in zip(split(dets, batch_idx, len(items)),
                                split(expected[0], expected[2], len(items))):
            assert_same(ours, theirs)
        assert (labels == 0).all()


def test_graph_is_standard_onnx(onnx_file):
    check_onnx_file(onnx_file)
    assert non_standard_ops(onnx_file) == []
    model = onnx.load(onnx_file)
    ops = {node.op_type for node in model.graph.node}
    assert {'NonMaxSuppression', 'TopK', 'GridSample'} <= ops
    dims = {i.name: [d.dim_param or d.dim_value
                     for d in i.type.tensor_type.shape.dim]
            for i in model.graph.input}
    assert dims == dict(images=['batch', 3, 'height', 'width'],
                        img_shapes=['batch', 2])


def test_non_standard_ops_are_named(tmp_path):
    from onnx import TensorProto, helper
    node = helper.make_node('PSRoIAlign', ['x'], ['y'], domain='mmcv')
    graph = helper.make_graph(
        [node, helper.make_node('Relu', ['y'], ['z'])], 'g',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info('z', TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid('', 18), helper.make_opsetid('mmcv', 1)])
    path = str(tmp_path / 'custom.onnx')
    onnx.save(model, path)
    assert non_standard_ops(path) == ['mmcv::PSRoIAlign']


@pytest.mark.parametrize('roi_layer, named', [
    (dict(type='PSRoIPool'), 'PSRoIPool'),
    (dict(sampling_ratio=0), 'sampling_ratio=-1'),
    (dict(sampling_ratio=-1), 'sampling_ratio=-1'),
])
def test_non_exportable_config_is_refused(roi_layer, named):
    cfg = sample_cfg(**roi_layer)
    if roi_layer.get('type') == 'PSRoIPool':
        cfg.model.roi_head.bbox_roi_extractor.roi_layer.pop('sampling_ratio')
    detector = build_random_model(cfg, 'cpu')
    with pytest.raises(NotExportableError,
                       match=f'bbox_roi_extractor: .*{named}'):
        ONNXFaceRFCN(detector)


@pytest.mark.parametrize(
    'num_members,before_nms,samples_per_cell,cascade_thr',
    [(1, True, 1, None), (2, True, 2, None), (1, False, 1, None),
     (3, True, 1, 'median'), (3, True, 1, 'none passes')])
def test_trained_verifier_is_in_the_graph(cfg, packed, tmp_path,
                                          num_members, before_nms,
                                          samples_per_cell, cascade_thr):
    """A VerifiedTwoStageDetector with a trained verifier, its candidates'
    and its final detections' scores calibrated (one CNN, an ensemble of
    two reading 2 x 2 samples a crop pixel, or a cascade of three passing
    half the candidates or none to the last two),
    rescoring before the RoI head's NMS or after it: the wrapper and
    onnxruntime rescore as mmdet's predict does, and the scores differ from
    the detector's own."""
    cfg = copy.deepcopy(cfg)
    cfg.model.verifier.num_members = num_members
    cfg.model.verifier.samples_per_cell = samples_per_cell
    cfg.model.rescore_before_nms = before_nms
    detector = spread_score_detector(cfg)
    plain = ONNXFaceRFCN(detector)
    images, shapes = batch_of(packed)
    with torch.no_grad():
        unverified = plain(images, shapes)[0]
    detector.verifier.fitted.fill_(True)
    # Calibrations other than the identity, which the graph must carry.
    detector.verifier.calibration.slope.fill_(0.8)
    detector.verifier.calibration.bias.fill_(-0.5)
    detector.verifier.detection_calibration.slope.fill_(1.3)
    detector.verifier.detection_calibration.bias.fill_(-0.4)
    wrapper = ONNXFaceRFCN(detector)
    if cascade_thr is not None:
        # The first member's logits of the candidates: a cascade that
        # passes half of them to the other members, or none.
        verifier = detector.verifier
        crops = []
        handle = verifier.register_forward_hook(
            lambda module, args, out: crops.append(args[0]))
        with torch.no_grad():
            wrapper(images, shapes)
            handle.remove()
            # As forward compares it: the mean of each crop's and its
            # mirror image's (flip_test).
            first = (verifier.member_logits(crops[0], slice(0, 1))[0] +
                     verifier.member_logits(crops[0].flip(3),
                                            slice(0, 1))[0]) / 2
        verifier.cascade_thr = float(
            first.median() if cascade_thr == 'median' else first.max() + 1)
        passed = int((first > verifier.cascade_thr).sum())
        assert (0 < passed < len(first)) if cascade_thr == 'median' else \
            passed == 0
    with torch.no_grad():
        dets, labels, batch_idx = wrapper(images, shapes)
    assert torch.all(dets[:-1, 4] >= dets[1:, 4])
    for ours, theirs in zip(split(dets, batch_idx, 2),
                            mmdet_predict(detector, packed)):
        assert len(theirs) > MIN_DETECTIONS
        assert_same(ours, theirs)
    assert dets.shape != unverified.shape or not torch.allclose(
        dets[:, 4].sort().values, unverified[:, 4].sort().values, atol=1e-3)

    path = str(tmp_path / 'verified.onnx')
    export_onnx(wrapper, path, dynamic_batch=True)
    assert non_standard_ops(path) == []
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for items in ([packed[1]], packed):
        images, shapes = batch_of(items)
        with torch.no_grad():
            expected = wrapper(images, shapes)
        got = session.run(None, dict(images=images.numpy(),
                                     img_shapes=shapes.numpy()))
        for ours, theirs in zip(split(got[0], got[2], len(items)),
                                split(expected[0], expected[2], len(items))):
            assert_same(ours, theirs)

    # Nothing above score_thr: still an empty result.
    detector.roi_head.test_cfg.score_thr = 1.0
    with torch.no_grad():
        dets, labels, batch_idx = ONNXFaceRFCN(detector)(images, shapes)
    assert dets.shape == (0, 5) and labels.shape == batch_idx.shape == (0, )
