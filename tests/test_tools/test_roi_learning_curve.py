"""`tools/analysis_tools/roi_learning_curve.py` on hand-written training logs."""
import json
import os.path as osp
import subprocess
import sys

from mmfacerfcn.testing.configs import REPO

TOOL = osp.join(REPO, 'tools', 'analysis_tools', 'roi_learning_curve.py')


def write_run(work_dir, name, records):
    path = work_dir / name / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))


def train_line(it, acc, time=2.0):
    return dict(iter=it, acc=acc, loss_cls=0.5, loss_rpn_cls=0.3, time=time,
                data_time=0.5)


def run(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_onset_speed_and_ap(tmp_path):
    # 75.0 and 79.9 stay inside the prior + 5 points; 80.0 is the onset.
    write_run(tmp_path, '20260101_000000', [
        train_line(10, 75.0, 1.0), train_line(20, 79.9, 3.0),
        train_line(30, 80.0, 2.0), train_line(40, 70.0, 2.0),
        {'wider_face/easy': 0.5, 'wider_face/medium': 0.4,
         'wider_face/hard': 0.2, 'step': 40}])
    out = run(tmp_path, '--json', tmp_path / 'out.json')
    assert out.returncode == 0, out.stderr
    figures = json.loads((tmp_path / 'out.json').read_text())[str(tmp_path)]
    assert figures['onset_iter'] == 30
    assert figures['iters'] == 40
    assert figures['s_per_iter'] == 2.0  # median of 1, 3, 2, 2
    assert figures['data_share'] == 2.0 / 8.0
    assert figures['ap'] == {'easy': 0.5, 'medium': 0.4, 'hard': 0.2}
    assert 'from iteration 30' in out.stdout


def test_never_and_newest_run(tmp_path):
    write_run(tmp_path, '20260101_000000', [train_line(10, 95.0)])
    # The newest run that trained wins; a later test-only run is skipped.
    write_run(tmp_path, '20260102_000000', [train_line(10, 75.0),
                                            train_line(20, 76.0)])
    write_run(tmp_path, '20260103_000000', [{'wider_face/easy': 0.1,
                                             'wider_face/medium': 0.1,
                                             'wider_face/hard': 0.1}])
    out = run(tmp_path, '--json', tmp_path / 'out.json')
    assert out.returncode == 0, out.stderr
    figures = json.loads((tmp_path / 'out.json').read_text())[str(tmp_path)]
    assert figures['onset_iter'] is None and figures['iters'] == 20
    assert 'from iteration never' in out.stdout
    # Another prior moves the onset.
    out = run(tmp_path, '--prior', 71, '--json', tmp_path / 'out.json')
    figures = json.loads((tmp_path / 'out.json').read_text())[str(tmp_path)]
    assert figures['onset_iter'] == 20


def test_no_training_log_is_an_error(tmp_path):
    out = run(tmp_path)
    assert out.returncode == 1
    assert str(tmp_path) in out.stderr and 'scalars.json' in out.stderr
