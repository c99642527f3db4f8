"""`tools/test.py` refuses a checkpoint that does not fit the config.

mmengine loads weights with ``strict=False``: the ResNet-18 sample checkpoint
with the ResNet-101 config would be evaluated with a mostly random model.
"""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

from mmfacerfcn.testing.configs import CONFIGS, REPO, write_random_checkpoint
from mmfacerfcn.testing.sample_data import make_small_wider, sample_cfg_options

TEST = osp.join(REPO, 'tools', 'test.py')
SAMPLE_CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
R101_CONFIG = osp.join(CONFIGS, 'face_rfcn_r101_wider.py')


@pytest.fixture(scope='module')
def sample(tmp_path_factory):
    """Small sample data, the test-time options and an R18 checkpoint."""
    tmp = tmp_path_factory.mktemp('sample')
    root = make_small_wider(str(tmp / 'wider'), num_train=1, num_val=2)
    # The training-hook options belong to the sample config only.
    options = [o for o in sample_cfg_options(root, str(tmp))
               if not o.startswith('custom_hooks')]
    return options, write_random_checkpoint(tmp / 'r18.pth')


def run_test(config, checkpoint, work_dir, options, *extra):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run(
        [sys.executable, TEST, config, checkpoint, '--work-dir',
         str(work_dir), *extra, '--cfg-options', *options],
        cwd=work_dir.parent, env=env, capture_output=True, text=True,
        timeout=300)


def test_checkpoint_of_another_config_is_refused(tmp_path, sample):
    options, checkpoint = sample
    out = run_test(R101_CONFIG, checkpoint, tmp_path / 'work', options)
    assert out.returncode != 0
    assert f'{checkpoint}: does not fit the model' in out.stderr
    # The half-width R18 stem against R101's: the first weight listed.
    assert ('backbone.conv1.weight: checkpoint (32, 3, 7, 7), '
            'model (64, 3, 7, 7)') in out.stderr
    assert '--allow-partial-checkpoint' in out.stderr
    assert '(test) [' not in out.stdout + out.stderr  # nothing was run


def test_matching_checkpoint_is_tested(tmp_path, sample):
    options, checkpoint = sample
    out = run_test(SAMPLE_CONFIG, checkpoint, tmp_path / 'work', options)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    # evaluated to the end: the two val images, then the AP line
    assert re.search(r'\(test\) +\[2/2\] +wider_face/easy',
                     out.stdout + out.stderr)
