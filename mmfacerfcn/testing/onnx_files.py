"""A sample detector with random weights that detects plenty, its
checkpoint and its ONNX export: the shared input of the deployment tests.

Seeded random weights, the RPN's and the RoI head's classifier convs drawn
wider (std 0.5 instead of 0.01) so that scores spread out and survive the
config's thresholds: comparisons between backends then hold over a hundred
detections per picture rather than an empty list.
"""
import os.path as osp
from typing import Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from torch import nn

from ..deployment import ONNXFaceRFCN, config_signature, export_onnx
from .benchmark import build_random_model, load_benchmark_cfg
from .configs import CONFIGS, save_test_checkpoint

#: The embedded sample's config.
SAMPLE_CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')


def spread_score_detector(cfg: Config, seed: int = 0,
                          std: float = 0.5) -> nn.Module:
    """``cfg.model`` with seeded random weights and wide classifier convs.

    Args:
        cfg (Config): From :func:`~.benchmark.load_benchmark_cfg`.
        seed (int): Seed of all weights. Defaults to 0.
        std (float): Std of the RPN's ``rpn_cls`` and the bbox head's
            ``conv_cls`` weights and biases. Defaults to 0.5.

    Returns:
        nn.Module: The detector in eval mode, on the CPU.
    """
    torch.manual_seed(seed)
    model = build_random_model(cfg, 'cpu').eval()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for conv in (model.rpn_head.rpn_cls,
                     model.roi_head.bbox_head.conv_cls):
            conv.weight.normal_(0, std, generator=gen)
            conv.bias.normal_(0, std, generator=gen)
    return model


def write_sample_export(out_dir: str, config: str = SAMPLE_CONFIG,
                        scale: Optional[Sequence[int]] = None,
                        dynamic_batch: bool = True) -> Tuple[str, str]:
    """A checkpoint of :func:`spread_score_detector` and its ONNX export.

    Args:
        out_dir (str): Gets ``spread.pth`` and ``spread.onnx``.
        config (str): Config file. Defaults to the sample's.
        scale (Sequence[int], optional): Test ``Resize`` scale of the model
            config used (the graph does not depend on it).
        dynamic_batch (bool): See :func:`~mmfacerfcn.deployment.export_onnx`.

    Returns:
        tuple[str, str]: The checkpoint (see
        :func:`~.configs.save_test_checkpoint`) and the ONNX file (with
        ``config``'s signature).
    """
    cfg = load_benchmark_cfg(config, scale=scale)
    model = spread_score_detector(cfg)
    checkpoint = save_test_checkpoint(model, osp.join(out_dir, 'spread.pth'))
    onnx_file = osp.join(out_dir, 'spread.onnx')
    export_onnx(ONNXFaceRFCN(model), onnx_file, dynamic_batch=dynamic_batch,
                signature=config_signature(Config.fromfile(config)))
    return checkpoint, onnx_file
