"""SlimResLayer: mmdet's res5 shared head at a ResNet's base_channels."""
import pytest
import torch
from mmdet.models.backbones import ResNet
from mmdet.models.roi_heads.shared_heads import ResLayer

from mmfacerfcn.models.roi_heads.shared_heads import SlimResLayer

RES5 = dict(depth=18, stage=3, stride=1, dilation=2, norm_eval=False)


def shapes(module):
    return [tuple(p.shape) for p in module.parameters()]


def test_base_64_is_mmdet_res_layer():
    assert shapes(SlimResLayer(**RES5)) == shapes(ResLayer(**RES5))


@pytest.mark.parametrize('depth', [18, 50])
def test_matches_the_backbone_of_the_same_width(depth):
    """res5 of a 32-channel trunk holds exactly the parameters of stage 4
    of ResNet(base_channels=32) and keeps the map's size (dilated)."""
    res5 = SlimResLayer(**dict(RES5, depth=depth), base_channels=32)
    backbone = ResNet(depth, base_channels=32)
    assert shapes(res5) == shapes(backbone.layer4)
    expansion = backbone.layer4[0].expansion
    x = torch.randn(2, 32 * 4 * expansion, 9, 11)
    out = res5(x)
    assert out.shape == (2, 32 * 8 * expansion, 9, 11)
    # mmdet's initialisation (He on convs, BN weight 1) reaches the new
    # stage.
    bn = res5.layer4[0].bn1
    torch.nn.init.zeros_(bn.weight)
    res5.init_weights()
    assert torch.equal(bn.weight, torch.ones_like(bn.weight))


def test_stride_2_halves_the_map():
    res5 = SlimResLayer(depth=18, base_channels=16, stage=3, stride=2)
    assert res5(torch.randn(1, 64, 8, 8)).shape == (1, 128, 4, 4)


def test_rejects_non_positive_width():
    with pytest.raises(ValueError, match='base_channels'):
        SlimResLayer(depth=18, base_channels=0)
