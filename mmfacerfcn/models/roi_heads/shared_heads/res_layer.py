"""res5 as a shared head, with a ResNet's ``base_channels``."""
from mmdet.models.backbones import ResNet
from mmdet.models.layers import ResLayer as _ResLayer
from mmdet.models.roi_heads.shared_heads import ResLayer
from mmdet.registry import MODELS


@MODELS.register_module()
class SlimResLayer(ResLayer):
    """mmdet's ``ResLayer`` shared head (one ResNet stage, usually res5)
    for a trunk built with ``base_channels`` other than 64.

    mmdet's ``ResLayer`` hard-codes the 64 channels of a standard ResNet; a
    backbone built with ``ResNet(base_channels=32)`` (half the width, a
    quarter of the compute) needs a res5 of matching width. Everything else
    (forward, ``norm_eval``, initialisation) is mmdet's.

    Args:
        depth (int): ResNet depth (18, 34, 50, 101, 152).
        base_channels (int): Width of the backbone's first stage; stage
            ``stage`` takes ``base_channels * 2**(stage - 1) * expansion``
            channels and gives ``base_channels * 2**stage * expansion``.
            Defaults to 64, which builds mmdet's ``ResLayer``.
        **kwargs: mmdet ``ResLayer``'s other arguments (``stage``,
            ``stride``, ``dilation``, ``style``, ``norm_cfg``,
            ``norm_eval``, ``with_cp``, ``dcn``, ``init_cfg``).
    """

    def __init__(self, depth: int, base_channels: int = 64, **kwargs) -> None:
        super().__init__(depth, **kwargs)
        if base_channels == 64:
            return
        if base_channels < 1:
            raise ValueError(f'base_channels must be >= 1, got '
                             f'{base_channels}')
        block, stage_blocks = ResNet.arch_settings[depth]
        stage = self.stage
        dilation = kwargs.get('dilation', 1)
        # The parent built the 64-channel stage; replace it.
        self.add_module(
            f'layer{stage + 1}',
            _ResLayer(
                block,
                base_channels * 2**(stage - 1) * block.expansion,
                base_channels * 2**stage,
                stage_blocks[stage],
                stride=kwargs.get('stride', 2),
                dilation=dilation,
                style=kwargs.get('style', 'pytorch'),
                with_cp=kwargs.get('with_cp', False),
                norm_cfg=self.norm_cfg,
                dcn=kwargs.get('dcn')))
