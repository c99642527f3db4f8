"""The config signature an export records, and the check against a config."""
import copy
import json

import pytest
from mmengine.config import Config

from mmfacerfcn.deployment import (
    METADATA_KEY,
    check_signature,
    config_signature,
    first_difference,
    parse_signature,
)
from mmfacerfcn.testing.onnx_files import SAMPLE_CONFIG


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(SAMPLE_CONFIG)


def test_signature_holds_the_test_time_settings(cfg):
    signature = config_signature(cfg)
    assert signature['test_cfg']['rcnn']['score_thr'] == \
        cfg.model.test_cfg.rcnn.score_thr
    assert signature['data_preprocessor']['mean'] == list(
        cfg.model.data_preprocessor.mean)
    assert signature['num_classes'] == 1
    assert signature['classes'] == ['face']
    # JSON values only: the file stores it as text and reads it back equal
    assert json.loads(json.dumps(signature)) == signature


def test_training_settings_do_not_count(cfg):
    changed = copy.deepcopy(cfg)
    changed.model.train_cfg.rpn.sampler.num = 7
    changed.model.backbone.frozen_stages = 3
    assert first_difference(config_signature(cfg),
                            config_signature(changed)) is None


def test_first_difference_names_the_setting(cfg):
    changed = copy.deepcopy(cfg)
    changed.model.test_cfg.rcnn.nms.iou_threshold = 0.5
    found = first_difference(config_signature(cfg), config_signature(changed))
    assert found == ('test_cfg.rcnn.nms.iou_threshold: 0.3 in the ONNX file, '
                     '0.5 in the config')


def test_first_difference_cases():
    assert first_difference({'a': [1, 2]}, {'a': [1, 2]}) is None
    assert first_difference({'a': 1}, {'a': 1, 'b': 2}) == \
        'b: only in the config'
    assert first_difference({'a': 1, 'b': 2}, {'a': 1}) == \
        'b: only in the ONNX file'
    assert first_difference({'a': {'x': [1, 2]}}, {'a': {'x': [1, 3]}}) == \
        'a.x: [1, 2] in the ONNX file, [1, 3] in the config'
    # the first in sorted key order
    assert first_difference({'a': 1, 'b': 1}, {'a': 2, 'b': 2}).startswith(
        'a:')


def test_check_signature_message(cfg):
    exported = config_signature(cfg)
    check_signature(exported, config_signature(cfg), 'm.onnx', 'c.py')
    other = copy.deepcopy(cfg)
    exported_count = cfg.model.test_cfg.rpn.max_per_img
    other.model.test_cfg.rpn.max_per_img = exported_count + 1
    with pytest.raises(ValueError, match=r'm\.onnx does not match c\.py: '
                       r'test_cfg\.rpn\.max_per_img: '
                       f'{exported_count} in the ONNX file, '
                       f'{exported_count + 1} in the config'):
        check_signature(exported, config_signature(other), 'm.onnx', 'c.py')


@pytest.mark.parametrize('props,message', [
    ({}, 'not written by tools/deployment/export_onnx.py'),
    ({METADATA_KEY: '{not json'}, 'is not JSON'),
    ({METADATA_KEY: '[1, 2]'}, 'is not a JSON object'),
])
def test_parse_signature_refuses(props, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_signature(props, 'some.onnx')
    assert str(info.value).startswith('some.onnx: ')


def test_parse_signature_reads_back(cfg):
    signature = config_signature(cfg)
    props = {METADATA_KEY: json.dumps(signature), 'other': 'x'}
    assert parse_signature(props, 'm.onnx') == signature
