"""The README main job's short training learns to detect faces.

The embedded sample is generated and converted as ``tools/run_main_job.sh``
does, in a temporary folder used as the working directory, so the config's
relative ``data/wider_sample/`` resolves there: the config runs unchanged.
The untrained model is evaluated on the same val set in the same way; the
trained one must clear thresholds that the untrained one stays below.

The thresholds are about half of what the config reaches with its seed (0)
on the 2-core development machine, and far above the untrained model (both
in the README's table of the embedded default), so a regression that stops
the RoI classifier from learning fails here.
"""
import json
import os
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmfacerfcn.testing.configs import CONFIGS, REPO
from mmfacerfcn.testing.sample_data import make_small_wider

CONFIG = os.path.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
THRESHOLDS = {'easy': 0.50, 'medium': 0.45, 'hard': 0.35}


def last_val_metrics(work_dir):
    """The last validation's ``wider_face/*`` scalars the run logged."""
    found = {}
    for path in sorted(work_dir.glob('*/vis_data/scalars.json')):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if 'wider_face/easy' in rec:
                found = rec
    return {s: found[f'wider_face/{s}'] for s in THRESHOLDS} if found else {}


@pytest.fixture
def sample_in_cwd(tmp_path, monkeypatch):
    make_small_wider(str(tmp_path / 'data' / 'wider_sample'), num_train=150,
                     num_val=30)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_short_training_clears_what_untrained_does_not(sample_in_cwd):
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(sample_in_cwd / 'untrained')
    metrics = Runner.from_cfg(cfg).test()
    untrained = {s: metrics[f'wider_face/{s}'] for s in THRESHOLDS}

    work = sample_in_cwd / 'trained'
    out = subprocess.run(
        [sys.executable, os.path.join(REPO, 'tools', 'train.py'), CONFIG,
         '--work-dir', str(work)],
        cwd=sample_in_cwd, capture_output=True, text=True, timeout=1500,
        env=dict(os.environ, PYTHONUNBUFFERED='1'))
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    trained = last_val_metrics(work)
    assert trained, 'the run logged no validation'

    print(f'untrained {untrained}\ntrained   {trained}')
    for subset, threshold in THRESHOLDS.items():
        assert untrained[subset] < threshold, (subset, untrained)
        assert trained[subset] > threshold, (subset, trained)
    assert (work / 'pr_curves.png').exists()  # follows --work-dir
