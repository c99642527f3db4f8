"""Shared fixtures for the tests (CPU only)."""
import pytest
from mmengine.registry import init_default_scope

import mmfacerfcn  # noqa: F401  (registers modules)


@pytest.fixture(autouse=True, scope='session')
def mmdet_scope():
    init_default_scope('mmdet')
