"""Shared fixtures for the tests (CPU only)."""
import pytest
from mmengine.registry import init_default_scope

from mmfacerfcn import register_all_modules

# Our models, hooks, runner and metric, registered before any test builds them
# (configs import them through custom_imports; tests also build without one).
register_all_modules()


@pytest.fixture(autouse=True, scope='session')
def mmdet_scope():
    init_default_scope('mmdet')


@pytest.fixture(scope='session')
def spread_export(tmp_path_factory):
    """The sample config's model (with 300 RPN proposals) with random
    weights that detect plenty: ``(checkpoint, onnx_file, config)``,
    exported with dynamic batch
    (:func:`mmfacerfcn.testing.onnx_files.write_sample_export`)."""
    for name in ('onnx', 'onnxruntime', 'onnxscript'):
        pytest.importorskip(name)
    from mmfacerfcn.testing.onnx_files import write_sample_export
    return write_sample_export(str(tmp_path_factory.mktemp('spread')))
