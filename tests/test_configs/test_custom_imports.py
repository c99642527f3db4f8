"""Every config registers what it uses through ``custom_imports``.

``import mmfacerfcn`` registers nothing (so that the numpy-only parts load
without torch): the configs name the registering subpackages, as mmdet's
projects do, and loading a config is enough to build from it.
"""
import glob
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmfacerfcn import REGISTERING_MODULES
from mmfacerfcn.testing.configs import CONFIGS

TOP_CONFIGS = sorted(
    p for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
    if osp.sep + '_base_' + osp.sep not in p)


@pytest.mark.parametrize('config', TOP_CONFIGS,
                         ids=lambda p: osp.relpath(p, CONFIGS))
def test_config_imports_the_registering_modules(config):
    custom = Config.fromfile(config, import_custom_modules=False).custom_imports
    assert custom.imports == list(REGISTERING_MODULES)
    assert custom.allow_failed_imports is False


def test_loading_a_config_registers_everything():
    # A fresh interpreter: nothing of ours imported but through the config.
    code = f"""
import sys
import mmfacerfcn
assert 'torch' not in sys.modules, 'import mmfacerfcn loads torch'
from mmengine.config import Config
from mmdet.registry import HOOKS, METRICS, MODELS, RUNNERS, TASK_UTILS
Config.fromfile({osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')!r})
assert {{'RFCNRoIHead', 'PSRoIExtractor', 'RFCNBBoxHead', 'WeightedVote'}} <= set(
    MODELS.module_dict)
assert 'RFCNOHEMSampler' in TASK_UTILS.module_dict
assert {{'TrunkPretrainHook', 'WeightsOnlyCheckpointHook', 'MemoryUsageHook',
        'RoISamplerSwitchHook', 'SafeCheckpointHook',
        'FastInferenceHook', 'ChannelsLastHook'}} <= set(HOOKS.module_dict)
assert 'SafeResumeRunner' in RUNNERS.module_dict
assert {{'WiderFaceMetric', 'FDDBMetric'}} <= set(METRICS.module_dict)
"""
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
