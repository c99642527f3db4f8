"""RFCNBBoxHead: shapes, initialisation and gradients."""
import pytest
import torch
from mmdet.registry import MODELS
from mmengine.registry import init_default_scope

init_default_scope('mmdet')


def build_head(**kw):
    cfg = dict(type='RFCNBBoxHead', in_channels=16, feat_channels=8,
               roi_feat_size=3, num_classes=1, vote=dict(type='WeightedVote'))
    cfg.update(kw)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


@pytest.mark.parametrize('extra', [False, True])
def test_score_map_and_vote_shapes(extra):
    head = build_head(with_extra_block=extra)
    maps = head.forward_score_maps(torch.randn(2, 16, 10, 12))
    # (C + 1) * k * k + 4 * k * k = 2 * 9 + 4 * 9
    assert maps.shape == (2, 54, 10, 12)
    cls_score, bbox_pred = head(torch.randn(7, 6, 3, 3))
    assert cls_score.shape == (7, 2)
    assert bbox_pred.shape == (7, 4)
    assert (head.extra_block is not None) == extra


def test_init_is_normal_001():
    head = build_head(in_channels=256, feat_channels=512)
    for conv in (head.reduce, head.conv_cls, head.conv_reg):
        assert abs(conv.weight.std().item() - 0.01) < 0.002
        assert conv.bias.abs().max().item() == 0
    assert not hasattr(head, 'fc_cls') and not hasattr(head, 'fc_reg')


def test_loss_gradients_reach_score_maps_and_vote_weights():
    from mmfacerfcn.models.roi_heads.roi_extractors import PSRoIExtractor
    head = build_head()
    ext = PSRoIExtractor(roi_layer=dict(type='PSRoIAlign', output_size=3),
                         featmap_strides=[16])
    maps = head.forward_score_maps(torch.randn(1, 16, 8, 8))
    rois = torch.tensor([[0, 8.0, 8.0, 64.0, 80.0], [0, 30.0, 20.0, 90.0, 100.0]])
    cls_score, bbox_pred = head(ext((maps, ), rois))
    losses = head.loss(cls_score, bbox_pred, rois,
                       labels=torch.tensor([0, 1]),
                       label_weights=torch.ones(2),
                       bbox_targets=torch.randn(2, 4),
                       bbox_weights=torch.tensor([[1.0] * 4, [0.0] * 4]))
    (losses['loss_cls'] + losses['loss_bbox']).backward()
    for name in ('reduce', 'conv_cls', 'conv_reg'):
        assert getattr(head, name).weight.grad.abs().sum() > 0, name
    assert head.cls_vote.weight.grad.abs().sum() > 0
    assert head.reg_vote.weight.grad.abs().sum() > 0


def test_class_specific_regression_is_refused():
    with pytest.raises(ValueError, match='class-agnostic'):
        build_head(reg_class_agnostic=False)
