"""What the training hooks share: the runner's model, rank 0's weights, and
the annotated boxes of a training picture."""
from typing import Tuple

import numpy as np
from mmengine.dist import broadcast, get_world_size
from mmengine.model import is_model_wrapper
from torch import nn


def unwrap_model(runner) -> nn.Module:
    """The runner's model without its distributed wrapper (DDP and the like).

    Args:
        runner (Runner): The runner.

    Returns:
        nn.Module: ``runner.model.module`` for a wrapped model, else
        ``runner.model``.
    """
    model = runner.model
    return model.module if is_model_wrapper(model) else model


def broadcast_module(module: nn.Module) -> None:
    """Give every process rank 0's parameters and buffers of ``module``.

    A hook that trains part of the model outside the runner's loop (and
    outside DDP, which keeps the ranks alike in the loop) ends with it, so
    that every rank goes on with the same weights. A no-op in a single
    process.

    Args:
        module (nn.Module): The part of the model the hook trained.
    """
    if get_world_size() > 1:
        for tensor in list(module.parameters()) + list(module.buffers()):
            broadcast(tensor.data, src=0)


def annotated_boxes(info: dict) -> Tuple[np.ndarray, np.ndarray]:
    """The faces and the ignored regions of a picture's annotations.

    Args:
        info (dict): A dataset's ``get_data_info``: ``instances`` with
            ``bbox`` (``x1 y1 x2 y2``, the picture's pixels) and
            ``ignore_flag``.

    Returns:
        tuple[np.ndarray, np.ndarray]: faces (m, 4) and ignored regions
        (k, 4), float64.
    """
    instances = info.get('instances', [])
    return tuple(
        np.array([inst['bbox'] for inst in instances
                  if bool(inst.get('ignore_flag', 0)) == ignored],
                 dtype=np.float64).reshape(-1, 4)
        for ignored in (False, True))
