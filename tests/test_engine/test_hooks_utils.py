"""What the training hooks share (mmfacerfcn/engine/hooks/utils.py)."""
from types import SimpleNamespace

import numpy as np
import torch
from mmengine.registry import MODEL_WRAPPERS
from torch import nn

from mmfacerfcn.engine.hooks.utils import (
    annotated_boxes,
    broadcast_module,
    unwrap_model,
)


@MODEL_WRAPPERS.register_module(name='_TestHooksUtilsWrapper')
class _Wrapper(nn.Module):
    """A model wrapper as DDP is one: the model is its ``module``."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module


def test_unwrap_model_takes_the_model_out_of_its_wrapper():
    model = nn.Linear(2, 1)
    assert unwrap_model(SimpleNamespace(model=model)) is model
    assert unwrap_model(SimpleNamespace(model=_Wrapper(model))) is model


def test_broadcast_module_leaves_a_single_process_alone():
    module = nn.BatchNorm1d(3)
    module.running_mean.fill_(2.)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    broadcast_module(module)
    assert all(torch.equal(before[k], v)
               for k, v in module.state_dict().items())


def test_annotated_boxes_splits_faces_from_ignored_regions():
    info = dict(instances=[
        dict(bbox=[1., 2., 3., 4.], ignore_flag=0),
        dict(bbox=[5., 6., 7., 8.5], ignore_flag=1),
        dict(bbox=[9., 10., 11., 12.]),  # no flag: a face
    ])
    faces, ignored = annotated_boxes(info)
    assert faces.dtype == ignored.dtype == np.float64
    np.testing.assert_array_equal(faces, [[1, 2, 3, 4], [9, 10, 11, 12]])
    np.testing.assert_array_equal(ignored, [[5, 6, 7, 8.5]])
    for info in (dict(instances=[]), dict()):
        faces, ignored = annotated_boxes(info)
        assert faces.shape == ignored.shape == (0, 4)
