"""overridden: attributes set in a block, restored after it."""
import pytest
from mmengine.config import ConfigDict
from torch import nn

from mmfacerfcn.utils.overrides import overridden


def test_config_values_restored_after_the_block():
    cfg = ConfigDict(max_per_img=1000, score_thr=0.01, nms=dict(iou=0.3))
    with overridden(cfg, max_per_img=300, score_thr=0.05) as same:
        assert same is cfg
        assert cfg.max_per_img == 300 and cfg['score_thr'] == 0.05
    assert cfg == ConfigDict(max_per_img=1000, score_thr=0.01,
                             nms=dict(iou=0.3))


def test_restored_when_the_block_raises():
    module = nn.Linear(1, 1)
    module.test_cfg = ConfigDict(score_thr=0.01)
    cfg = module.test_cfg
    with pytest.raises(RuntimeError, match='inside'):
        with overridden(module, test_cfg=None):
            assert module.test_cfg is None
            raise RuntimeError('inside')
    assert module.test_cfg is cfg


def test_missing_attribute_is_an_error_and_changes_nothing():
    cfg = ConfigDict(max_per_img=1000)
    with pytest.raises(AttributeError):
        with overridden(cfg, max_per_img=300, nms_pre=10):
            pass
    assert cfg == ConfigDict(max_per_img=1000)
