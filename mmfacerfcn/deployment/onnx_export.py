"""Write an :class:`ONNXFaceRFCN` to an ONNX file and check what was written.

Exporter: torch's default one (``dynamo=True``, torch.export then
onnxscript). It is the one that gets this graph right: NMS and the score
threshold leave counts known only at run time, which torch.export carries as
unbacked symbolic sizes (ONNX NonZero / NonMaxSuppression outputs), while
the TorchScript exporter (``dynamo=False``) traces the example's counts;
``torchvision::nms`` has a translation in onnxscript's torch_lib
(``NonMaxSuppression``); and :class:`GridSamplePSRoIAlign` was checked with
it. ``onnx`` and ``onnxscript`` are imported only when a function here runs.
"""
import json
import os
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

from .onnx_metadata import METADATA_KEY
from .onnx_model import ONNXFaceRFCN

#: ONNX's own operator domains (``''`` is ``ai.onnx``).
STANDARD_DOMAINS = ('', 'ai.onnx')
#: GridSample (PS RoI align) is in ONNX from opset 16.
MIN_OPSET = 16
DEFAULT_OPSET = 18
INPUT_NAMES = ('images', 'img_shapes')
OUTPUT_NAMES = ('dets', 'labels', 'batch_idx')


def example_inputs(batch: int = 1, height: int = 320,
                   width: int = 256) -> Tuple[Tensor, Tensor]:
    """Inputs to trace with: seeded pixels, every image the whole tensor.

    The values do not shape the graph (torch.export traces symbolically);
    height and width differ and are not 0 or 1, so neither is specialised.
    """
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (batch, 3, height, width),
                           generator=gen).float()
    img_shapes = torch.tensor([[height, width]] * batch)
    return images, img_shapes


def export_onnx(model: ONNXFaceRFCN, path: str, opset: int = DEFAULT_OPSET,
                dynamic_batch: bool = False,
                signature: Optional[Dict] = None) -> None:
    """Export ``model`` to ``path`` with dynamic height and width.

    Args:
        model (ONNXFaceRFCN): The wrapped detector.
        path (str): Output file.
        opset (int): ONNX opset, at least :data:`MIN_OPSET`. Defaults to
            :data:`DEFAULT_OPSET`.
        dynamic_batch (bool): Make the batch size dynamic too (traced with
            two images: torch.export fixes a size-1 dimension); else the
            graph takes one image. Defaults to False.
        signature (dict, optional): The config's
            :func:`~.onnx_metadata.config_signature`, written as JSON into
            the file's ``metadata_props`` under :data:`METADATA_KEY`, where
            an onnxruntime run checks its config against it.

    Raises:
        ValueError: ``opset`` below :data:`MIN_OPSET`.
    """
    if opset < MIN_OPSET:
        raise ValueError(f'opset {opset}: PS RoI align needs GridSample, in '
                         f'ONNX from opset {MIN_OPSET}')
    from torch.export import Dim
    batch = Dim('batch', min=1) if dynamic_batch else None
    images = {2: Dim('height', min=16), 3: Dim('width', min=16)}
    img_shapes = {}
    if dynamic_batch:
        images[0] = img_shapes[0] = batch
    model.eval()
    with torch.no_grad():
        program = torch.onnx.export(
            model,
            example_inputs(2 if dynamic_batch else 1),
            input_names=list(INPUT_NAMES),
            output_names=list(OUTPUT_NAMES),
            dynamic_shapes={'images': images, 'img_shapes': img_shapes},
            opset_version=opset,
            dynamo=True,
            verbose=False)
    if signature is not None:
        program.model.metadata_props[METADATA_KEY] = json.dumps(
            signature, sort_keys=True)
    # One file: the weights inline (ONNX's 2 GiB protobuf limit is far above
    # R101's ~200 MB), so the file can be renamed into place and shipped
    # alone.
    program.save(path, external_data=False)


def non_standard_ops(path: str) -> List[str]:
    """Operators of ``path``'s graph outside ONNX's own domains.

    Args:
        path (str): An ONNX file.

    Returns:
        list[str]: ``domain::op_type`` of each such operator (nodes of the
        main graph, of sub-graphs and of local functions), sorted, once
        each; empty when every operator is standard.
    """
    import onnx
    model = onnx.load(path, load_external_data=False)
    found = set()

    def visit(nodes) -> None:
        for node in nodes:
            if node.domain not in STANDARD_DOMAINS:
                found.add(f'{node.domain}::{node.op_type}')
            for attr in node.attribute:
                if attr.HasField('g'):
                    visit(attr.g.node)
                for graph in attr.graphs:
                    visit(graph.node)

    visit(model.graph.node)
    for function in model.functions:
        visit(function.node)
    return sorted(found)


def check_onnx_file(path: str) -> None:
    """``onnx.checker`` (with shape inference) and the standard-ops check.

    Raises:
        onnx.checker.ValidationError: The checker's finding.
        ValueError: Naming every operator outside ONNX's domains.
    """
    import onnx
    onnx.checker.check_model(path, full_check=True)
    custom = non_standard_ops(path)
    if custom:
        raise ValueError(f'{path}: operators outside the standard ONNX '
                         f'domains: {", ".join(custom)}')


def file_size_mib(path: str) -> float:
    """Size of ``path`` in MiB."""
    return os.path.getsize(path) / 2**20
