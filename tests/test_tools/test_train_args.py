"""`tools/train.py`'s command line turned into the run's config."""
import os.path as osp
import sys
from types import SimpleNamespace

import pytest

from mmfacerfcn.testing.configs import CONFIGS

TOOLS = osp.join(osp.dirname(CONFIGS), 'tools')
sys.path.insert(0, TOOLS)
import train  # noqa: E402  (tools/train.py)

SAMPLE = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
R101 = osp.join(CONFIGS, 'face_rfcn_r101_wider.py')


def args(config, **kwargs):
    defaults = dict(config=config, amp=False, auto_scale_lr=False,
                    resume=None, work_dir=None, cfg_options=None,
                    launcher='none', local_rank=0)
    return SimpleNamespace(**{**defaults, **kwargs})


def test_auto_scale_lr_turns_on_the_configs_scaling():
    cfg = train.build_cfg(args(R101, auto_scale_lr=True))
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=8)


def test_auto_scale_lr_without_a_base_batch_names_the_config():
    with pytest.raises(SystemExit, match=r'face_rfcn_r18_wider-sample\.py has '
                       r'no auto_scale_lr\.base_batch_size'):
        train.build_cfg(args(SAMPLE, auto_scale_lr=True))


def test_resume_without_a_path_resumes_from_the_work_dir():
    cfg = train.build_cfg(args(SAMPLE, resume='auto'))
    assert cfg.resume is True and cfg.load_from is None
    assert cfg.work_dir == osp.join('./work_dirs', 'face_rfcn_r18_wider-sample')
