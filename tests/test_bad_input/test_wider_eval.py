"""Bad prediction folders and ground truth given to ``tools/wider_eval.py``
(see ``conftest.py``): one error line naming the file, nothing written."""
import json
from pathlib import Path

import pytest

from mmfacerfcn.evaluation.functional.wider_submission import (
    write_submission_dir,
)
from mmfacerfcn.testing.cli import assert_refused, run_script

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'wider_eval.py'


@pytest.fixture
def pred_dir(tiny_wider, tmp_path: Path) -> Path:
    """The tiny predictions in the submission format."""
    pred = tmp_path / 'pred'
    write_submission_dir(str(pred), tiny_wider.preds)
    return pred


def evaluate(monkeypatch, tiny_wider, pred_dir, *args) -> int:
    return run_script(monkeypatch, TOOL, '--pred', pred_dir, '--gt',
                      tiny_wider.gt_dir, *args)


def test_prediction_not_utf8(tiny_wider, pred_dir, tmp_path, monkeypatch,
                             capsys):
    bad = pred_dir / '0--Parade' / 'img_a.txt'
    bad.write_bytes(b'img_a\n1\n10 10 20 20 0.75\xe9\n')
    out = tmp_path / 'aps.json'
    line = assert_refused(
        evaluate(monkeypatch, tiny_wider, pred_dir, '--json', out),
        capsys.readouterr().err, f'{bad}:3:', 'not UTF-8')
    assert line.startswith('wider_eval: error: ') and not out.exists()


def test_negative_width_or_height(tiny_wider, pred_dir, monkeypatch, capsys):
    # Corners x2 y2 with -w -h: every box would count as a miss, AP 0 at rc 0.
    bad = pred_dir / '0--Parade' / 'img_a.txt'
    bad.write_text('img_a\n2\n30 30 20 20 0.75\n80 80 -30 -30 0.5\n')
    assert_refused(evaluate(monkeypatch, tiny_wider, pred_dir),
                   capsys.readouterr().err, f'{bad}:4:',
                   'negative width or height')


def test_unknown_prediction_files(tiny_wider, pred_dir, tmp_path, monkeypatch,
                                  capsys):
    names = ['0--Parade/img_z.txt', '9--Misspelt/img_a.txt', 'notes.txt',
             '0--Parade/img_a.jpg']
    for name in names:
        (pred_dir / name).parent.mkdir(exist_ok=True)
        (pred_dir / name).write_text('img\n0\n')
    (pred_dir / '.DS_Store').write_bytes(b'\0')  # hidden: no prediction
    out = tmp_path / 'aps.json'
    line = assert_refused(
        evaluate(monkeypatch, tiny_wider, pred_dir, '--json', out),
        capsys.readouterr().err, pred_dir, '4 files match no val image',
        *sorted(names)[:3], '1 more', '--ignore-unknown-files')
    assert not out.exists(), line
    # The opt-out evaluates the known files and says how many were left out.
    assert evaluate(monkeypatch, tiny_wider, pred_dir, '--json', out,
                    '--ignore-unknown-files') == 0
    assert 'warning: ' in capsys.readouterr().err
    assert json.loads(out.read_text()) == pytest.approx(tiny_wider.aps)


@pytest.mark.parametrize('content', [b'this is no MATLAB file\n', 'truncated'])
def test_gt_mat_broken(tiny_wider, pred_dir, monkeypatch, capsys, content):
    mat = Path(tiny_wider.gt_dir) / 'wider_hard_val.mat'
    data = mat.read_bytes()
    mat.write_bytes(data[:len(data) // 2] if content == 'truncated' else
                    content)
    assert_refused(evaluate(monkeypatch, tiny_wider, pred_dir),
                   capsys.readouterr().err, f'{mat}: cannot read .mat file')


def test_json_into_a_missing_folder_is_created(tiny_wider, pred_dir, tmp_path,
                                               monkeypatch):
    # As mmengine.dump and the converters do; tools/test.py --out as well.
    out = tmp_path / 'new' / 'deeper' / 'aps.json'
    assert evaluate(monkeypatch, tiny_wider, pred_dir, '--json', out) == 0
    assert json.loads(out.read_text()) == pytest.approx(tiny_wider.aps)
