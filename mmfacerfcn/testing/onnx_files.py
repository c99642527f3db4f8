"""A sample detector with random weights that detects plenty, its
checkpoint and its ONNX export: the shared input of the deployment tests.

Seeded random weights, the RPN's and the RoI head's classifier convs drawn
wider (std 0.5 instead of 0.01) so that scores spread out and survive the
config's thresholds: comparisons between backends then hold over a hundred
detections per picture rather than an empty list.
"""
import os.path as osp
from typing import NamedTuple, Optional, Sequence

import torch
from mmengine.config import Config
from torch import nn

from ..deployment import ONNXFaceRFCN, config_signature, export_onnx
from .benchmark import build_random_model, load_benchmark_cfg
from .configs import CONFIGS, save_test_checkpoint

#: The embedded sample's config.
SAMPLE_CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
#: RPN proposals a picture of the model the deployment tests export. With
#: the sample's 1000, hundreds of this random model's overlapping boxes score
#: within 1e-3 of each other, and the rounding of each backend decides NMS
#: ties in cascades (3-8% of the boxes); with 300 each backend's detections
#: are every other's, box for box. The graph is the same but for this
#: constant.
DEPLOY_TEST_PROPOSALS = 300


class SampleExport(NamedTuple):
    """What :func:`write_sample_export` writes."""
    #: The random model's checkpoint.
    checkpoint: str
    #: Its ONNX export, with the signature of ``config``.
    onnx_file: str
    #: The config file the export is of.
    config: str


def write_deploy_test_config(out_dir: str,
                             config: str = SAMPLE_CONFIG) -> str:
    """A config file that inherits ``config`` with
    :data:`DEPLOY_TEST_PROPOSALS` RPN proposals a picture at test.

    Args:
        out_dir (str): Gets ``deploy_test.py``.
        config (str): The config inherited. Defaults to the sample's.

    Returns:
        str: The file written.
    """
    path = osp.join(out_dir, 'deploy_test.py')
    with open(path, 'w') as f:
        f.write(f'_base_ = [{osp.abspath(config)!r}]\n'
                'model = dict(test_cfg=dict(rpn=dict(max_per_img='
                f'{DEPLOY_TEST_PROPOSALS})))\n')
    return path


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


def write_sample_export(out_dir: str, config: Optional[str] = None,
                        scale: Optional[Sequence[int]] = None,
                        dynamic_batch: bool = True) -> SampleExport:
    """A checkpoint of :func:`spread_score_detector` and its ONNX export.

    Args:
        out_dir (str): Gets ``spread.pth`` and ``spread.onnx``.
        config (str, optional): Config file. Defaults to None: the sample's
            with :data:`DEPLOY_TEST_PROPOSALS`
            (:func:`write_deploy_test_config`, into ``out_dir``).
        scale (Sequence[int], optional): Test ``Resize`` scale of the model
            config used (the graph does not depend on it).
        dynamic_batch (bool): See :func:`~mmfacerfcn.deployment.export_onnx`.

    Returns:
        SampleExport: The checkpoint (see
        :func:`~.configs.save_test_checkpoint`), the ONNX file (with
        ``config``'s signature) and ``config``.
    """
    if config is None:
        config = write_deploy_test_config(out_dir)
    cfg = load_benchmark_cfg(config, scale=scale)
    model = spread_score_detector(cfg)
    checkpoint = save_test_checkpoint(model, osp.join(out_dir, 'spread.pth'))
    onnx_file = osp.join(out_dir, 'spread.onnx')
    export_onnx(ONNXFaceRFCN(model), onnx_file, dynamic_batch=dynamic_batch,
                signature=config_signature(Config.fromfile(config)))
    return SampleExport(checkpoint, onnx_file, config)
