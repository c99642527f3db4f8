"""`tools/wider_eval.py` and `tools/fddb_eval.py` run where torch and
OpenMMLab are not installed.

The tool is run in a fresh interpreter whose imports of torch, torchvision,
mmcv, mmdet and mmengine raise ImportError (a finder first on
``sys.meta_path``), on the tiny WIDER FACE val ground truth with the
predictions whose APs :mod:`mmfacerfcn.testing.tiny_wider` computes by hand
(the ``tiny_wider`` fixture, from conftest.py), and on a one-image FDDB tree.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from mmfacerfcn.evaluation.functional import write_submission_dir

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'wider_eval.py'
FDDB_TOOL = TOOL.with_name('fddb_eval.py')
BLOCKED = ('torch', 'torchvision', 'mmcv', 'mmdet', 'mmengine')

# Runs TOOL with sys.argv[1:] after installing the blocker; prints every
# blocked import attempt to stderr, so a failure says what asked for them.
RUN_BLOCKED = f"""
import importlib.abc, runpy, sys

BLOCKED = {BLOCKED!r}


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            print(f'blocked import: {{name}}', file=sys.stderr)
            raise ImportError(f'{{name}} is blocked by the test')
        return None


sys.meta_path.insert(0, Blocker())
for name in BLOCKED:
    try:
        __import__(name)
    except ImportError:
        pass
    else:
        sys.exit(f'the blocker let {{name}} through')
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def run_without_torch(*args, tool=TOOL):
    return subprocess.run(
        [sys.executable, '-c', RUN_BLOCKED, str(tool), *map(str, args)],
        capture_output=True, text=True, timeout=120)


def test_wider_eval_needs_neither_torch_nor_openmmlab(tiny_wider, tmp_path):
    pred_dir = tmp_path / 'pred'
    write_submission_dir(str(pred_dir), tiny_wider.preds)
    out = tmp_path / 'aps.json'
    proc = run_without_torch('--pred', pred_dir, '--gt', tiny_wider.gt_dir,
                             '--json', out)
    assert proc.returncode == 0, proc.stderr
    # The harness probes each blocked package once; nothing else asked.
    attempts = [line for line in proc.stderr.splitlines()
                if line.startswith('blocked import')]
    assert attempts == [f'blocked import: {name}' for name in BLOCKED], (
        proc.stderr)
    assert json.loads(out.read_text()) == pytest.approx(tiny_wider.aps,
                                                        abs=1e-12)
    table = proc.stdout.splitlines()[-4:]
    assert table[0].split() == ['|', 'easy', '|', 'medium', '|', 'hard', '|']
    assert [float(v) for v in table[2].strip('| ').split(' | ')] == (
        pytest.approx([tiny_wider.aps[s] for s in ('easy', 'medium', 'hard')],
                      abs=1e-4))


def test_fddb_eval_needs_neither_torch_nor_openmmlab(tmp_path):
    # One 40 x 30 image, one face: an upright ellipse and the box around it.
    root = tmp_path / 'FDDB'
    (root / 'FDDB-folds').mkdir(parents=True)
    (root / 'FDDB-folds' / 'FDDB-fold-01-ellipseList.txt').write_text(
        'img_1\n1\n10 8 1.5707963 20 15 1\n')
    (root / 'originalPics').mkdir()
    Image.new('RGB', (40, 30)).save(root / 'originalPics' / 'img_1.jpg')
    dets = tmp_path / 'fold-01-out.txt'
    dets.write_text('img_1\n1\n12 5 16 20 0.9\n')
    proc = run_without_torch('--pred', dets, '--fddb-root', root,
                             '--out-dir', tmp_path / 'roc', tool=FDDB_TOOL)
    assert proc.returncode == 0, proc.stderr
    attempts = [line for line in proc.stderr.splitlines()
                if line.startswith('blocked import')]
    assert attempts == [f'blocked import: {name}' for name in BLOCKED], (
        proc.stderr)
    row = [line for line in proc.stdout.splitlines()
           if line.startswith('| fold-01-out')]
    assert row and row[0].split('|')[2].strip() == '1.0000', proc.stdout
    assert (tmp_path / 'roc' / 'DiscROC.txt').read_text().startswith('1 0 0.9')
    assert (tmp_path / 'roc' / 'roc.png').is_file()


def test_blocker_stops_a_torch_import(tmp_path):
    """The harness would catch a tool that imports torch after all."""
    script = tmp_path / 'uses_torch.py'
    script.write_text('import mmfacerfcn.utils.checkpoint_types\n')
    proc = subprocess.run([sys.executable, '-c', RUN_BLOCKED, str(script)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'torch is blocked by the test' in proc.stderr
