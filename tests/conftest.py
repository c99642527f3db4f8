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
