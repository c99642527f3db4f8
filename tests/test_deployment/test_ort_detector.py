"""ORTFaceRFCN: the exported sample model in onnxruntime gives PyTorch's
detections, one image at a time and in padded batches; bad files and
configs are refused with the reason.

The model has random weights with wide classifier convs (see
:mod:`mmfacerfcn.testing.onnx_files`), on six generated sample val
pictures of different sizes at the config's own test scale.
"""
import copy
import os.path as osp

import pytest
import torch
from mmdet.apis import init_detector
from mmdet.registry import DATASETS
from mmengine.config import Config

from mmfacerfcn.deployment import (
    ORTDetectorError,
    ORTFaceRFCN,
    build_ort_detector,
    build_ort_detector_from_config,
    config_signature,
    open_session,
    ort_model_config,
)
from mmfacerfcn.deployment.ort_detector import ort_providers
from mmfacerfcn.testing.detections import assert_same_detections
from mmfacerfcn.testing.sample_data import make_small_wider

onnx = pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')

MIN_DETECTIONS = 20


@pytest.fixture(scope='module')
def cfg(spread_export):
    return Config.fromfile(spread_export.config)


@pytest.fixture(scope='module')
def items(cfg, tmp_path_factory):
    """Six val pictures through the test pipeline, as the dataset gives."""
    root = make_small_wider(str(tmp_path_factory.mktemp('wider')),
                            num_train=1, num_val=6)
    dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    dataset_cfg.data_root = root + '/'
    dataset = DATASETS.build(dataset_cfg)
    items = [dataset[i] for i in range(len(dataset))]
    shapes = {tuple(i['data_samples'].img_shape) for i in items}
    assert len(items) == 6 and len(shapes) > 1, shapes
    return items


@pytest.fixture(scope='module')
def pytorch(cfg, spread_export):
    return init_detector(cfg, spread_export[0], device='cpu')


@pytest.fixture(scope='module')
def ort(cfg, spread_export):
    return ORTFaceRFCN(spread_export[1], signature=config_signature(cfg),
                       config_path=spread_export.config)


def predict(model, items):
    with torch.no_grad():
        return model.test_step(
            dict(inputs=[i['inputs'] for i in items],
                 data_samples=[copy.deepcopy(i['data_samples'])
                               for i in items]))


def assert_same(actual, expected):
    """Every box matched at IoU > 0.99 with a score within 1e-4 and the
    same label (:mod:`mmfacerfcn.testing.detections`)."""
    assert_same_detections(actual.pred_instances, expected.pred_instances,
)


def test_one_at_a_time_as_pytorch(pytorch, ort, items):
    total = 0
    for item in items:
        expected, = predict(pytorch, [item])
        actual, = predict(ort, [item])
        assert_same(actual, expected)
        total += len(expected.pred_instances)
        # rescaled to the original picture, as mmdet's predict
        height, width = item['data_samples'].ori_shape
        boxes = actual.pred_instances.bboxes
        assert boxes[:, 2].max() <= width + 1e-3
        assert boxes[:, 3].max() <= height + 1e-3
    assert total >= MIN_DETECTIONS * len(items)


def test_padded_batch_as_pytorch(pytorch, ort, items):
    """Different sizes, padded as mmdet's data preprocessor pads."""
    for actual, expected in zip(predict(ort, items), predict(pytorch, items)):
        assert_same(actual, expected)


def test_graph_of_one_image_runs_each_alone(pytorch, ort, items):
    """A graph without dynamic batch gets each image cropped to its own
    size: exactly what a batch of one gets, whatever the batch padding."""
    ort.single_image = True
    try:
        actual = predict(ort, items)
    finally:
        ort.single_image = False
    for item, result in zip(items, actual):
        expected, = predict(pytorch, [item])
        assert_same(result, expected)


def test_other_test_cfg_is_refused(cfg, spread_export):
    other = copy.deepcopy(cfg)
    other.model.test_cfg.rcnn.score_thr = 0.5
    with pytest.raises(ValueError) as info:
        ORTFaceRFCN(spread_export[1], signature=config_signature(other),
                    config_path='other.py')
    message = str(info.value)
    assert message.startswith(f'{spread_export[1]} does not match other.py')
    assert 'test_cfg.rcnn.score_thr' in message and '0.5 in the config' in message


def test_not_an_export_is_refused(tmp_path):
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node('Identity', ['x'], ['y'])], 'g',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1])])
    path = str(tmp_path / 'identity.onnx')
    onnx.save(helper.make_model(graph), path)
    with pytest.raises(ValueError, match='not those of a Face R-FCN export'):
        open_session(path)

    garbage = tmp_path / 'garbage.onnx'
    garbage.write_bytes(b'not a protobuf' * 10)
    with pytest.raises(ValueError, match='onnxruntime cannot load it') as info:
        open_session(str(garbage))
    assert str(info.value).startswith(str(garbage))

    with pytest.raises(FileNotFoundError, match='no such file'):
        open_session(str(tmp_path / 'missing.onnx'))


def test_export_without_signature_is_refused(tmp_path, spread_export):
    model = onnx.load(spread_export[1])
    del model.metadata_props[:]
    path = str(tmp_path / 'bare.onnx')
    onnx.save(model, path)
    with pytest.raises(ValueError, match='not written by '
                       r'tools/deployment/export_onnx\.py'):
        ORTFaceRFCN(path)


def test_build_ort_detector(cfg, spread_export):
    """The tools' detector: the file checked once, ``cfg`` and the classes
    the file records set as ``init_detector`` sets them."""
    model = build_ort_detector(cfg, spread_export[1], spread_export.config)
    assert isinstance(model, ORTFaceRFCN)
    assert model.cfg is cfg
    assert model.dataset_meta == dict(classes=('face', ))
    assert model.onnx_file == spread_export[1]


def test_build_ort_detector_from_its_config(cfg, spread_export):
    """The same detector from :func:`ort_model_config`, which is left as
    it was (the caller logs it)."""
    model_cfg = ort_model_config(cfg, spread_export[1], spread_export.config)
    kept = copy.deepcopy(model_cfg)
    model = build_ort_detector_from_config(cfg, model_cfg)
    assert model_cfg == kept
    assert isinstance(model, ORTFaceRFCN) and model.cfg is cfg
    assert model.dataset_meta == dict(classes=('face', ))
    assert model.onnx_file == spread_export[1]
    other = copy.deepcopy(cfg)
    other.model.test_cfg.rcnn.score_thr = 0.5
    with pytest.raises(ORTDetectorError, match='does not match other.py'):
        build_ort_detector_from_config(other, ort_model_config(
            other, spread_export[1], 'other.py'))


def test_build_ort_detector_errors_name_the_file(cfg, tmp_path,
                                                 spread_export):
    """Every refusal is one exception type the tools turn into their exit
    message: a missing file, another config's file."""
    missing = str(tmp_path / 'missing.onnx')
    with pytest.raises(ORTDetectorError) as info:
        build_ort_detector(cfg, missing, spread_export.config)
    assert str(info.value) == f'{missing}: no such file'

    other = copy.deepcopy(cfg)
    other.model.test_cfg.rcnn.score_thr = 0.5
    with pytest.raises(ORTDetectorError) as info:
        build_ort_detector(other, spread_export[1], 'other.py')
    assert str(info.value).startswith(
        f'{spread_export[1]} does not match other.py')


def test_predicts_only(ort):
    with pytest.raises(NotImplementedError, match='predicts only'):
        ort.loss(None, None)
    assert osp.isfile(ort.onnx_file)


@pytest.mark.parametrize('device,cuda_available,expected', [
    ('cpu', True, ['CPUExecutionProvider']),
    ('cuda', True, [('CUDAExecutionProvider', {'device_id': 0}),
                    'CPUExecutionProvider']),
    ('cuda:1', True, [('CUDAExecutionProvider', {'device_id': 1}),
                      'CPUExecutionProvider']),
    # an onnxruntime without the CUDA provider runs on the CPU
    ('cuda:1', False, ['CPUExecutionProvider']),
])
def test_ort_providers_keep_the_cuda_index(monkeypatch, device,
                                           cuda_available, expected):
    import onnxruntime
    available = ['CPUExecutionProvider']
    if cuda_available:
        available.insert(0, 'CUDAExecutionProvider')
    monkeypatch.setattr(onnxruntime, 'get_available_providers',
                        lambda: available)
    assert ort_providers(device) == expected
