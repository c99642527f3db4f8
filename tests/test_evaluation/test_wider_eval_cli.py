"""tools/wider_eval.py on official-format submission files."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from mmfacerfcn.evaluation.functional.wider_submission import (
    SubmissionFormatError,
    format_submission,
    parse_submission,
    write_submission_dir,
)
from mmfacerfcn.testing.cli import load_tool

REPO = pathlib.Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'wider_eval.py'


def run_tool(*args):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO)] + [p for p in [env.get('PYTHONPATH')] if p])
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=300)


def test_cli_missing_file_is_no_prediction(tiny_wider, tmp_path):
    pred_dir = tmp_path / 'pred'
    preds = dict(tiny_wider.preds)
    del preds['1--Handshaking/img_c']  # no file: c1 and c2 missed
    write_submission_dir(str(pred_dir), preds)
    out = tmp_path / 'aps.json'
    proc = run_tool('--pred', pred_dir, '--gt', tiny_wider.gt_dir,
                    '--json', out)
    assert proc.returncode == 0, proc.stderr
    # Left: a1 0.75, a2 0.5 and img_b's 0.25, normalised to 1, 0.5 and 0
    # (img_b has no face: its detection is no false positive).
    # easy (a2, c1): a1 removed; a2 from threshold 0.5: P 1, R 1/2 -> AP 1/2
    # medium (a1, a2, c1): P 1 at R 1/3 and 2/3 -> AP 2/3
    # hard (5 faces): P 1 at R 1/5 and 2/5 -> AP 2/5
    assert json.loads(out.read_text()) == pytest.approx(
        {'easy': 0.5, 'medium': 2 / 3, 'hard': 0.4}, abs=1e-12)
    assert 'predictions for 2 of 3 images' in proc.stdout
    assert 'medium' in proc.stdout and '0.6667' in proc.stdout


def test_cli_malformed_line_names_file_and_line(tiny_wider, tmp_path):
    pred_dir = tmp_path / 'pred'
    write_submission_dir(str(pred_dir), tiny_wider.preds)
    bad = pred_dir / '0--Parade' / 'img_a.txt'
    bad.write_text('img_a\n2\n10 10 20 20 0.75\n50 50 30 x 0.5\n')
    proc = run_tool('--pred', pred_dir, '--gt', tiny_wider.gt_dir)
    assert proc.returncode != 0
    assert f'{bad}:4' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_cli_in_process_unsorted_lines_and_bad_count(tiny_wider, tmp_path,
                                                     capsys):
    tool = load_tool(TOOL, 'wider_eval')
    pred_dir = tmp_path / 'pred'
    write_submission_dir(str(pred_dir), tiny_wider.preds)
    # Reverse the box lines of img_c: order in the file does not matter.
    path = pred_dir / '1--Handshaking' / 'img_c.txt'
    lines = path.read_text().splitlines()
    path.write_text('\n'.join(lines[:2] + lines[2:][::-1]) + '\n')
    out = tmp_path / 'aps.json'
    assert tool.main(['--pred', str(pred_dir), '--gt', tiny_wider.gt_dir,
                      '--json', str(out)]) == 0
    assert json.loads(out.read_text()) == pytest.approx(tiny_wider.aps,
                                                        abs=1e-12)
    # A count larger than the box lines is an error at the end of the file.
    path.write_text('img_c\n3\n0 0 40 40 0\n')
    assert tool.main(['--pred', str(pred_dir), '--gt',
                      tiny_wider.gt_dir]) == 1
    assert f'{path}:4: count says 3 boxes' in capsys.readouterr().err
    # No such gt folder: an error, not a traceback.
    assert tool.main(['--pred', str(pred_dir), '--gt',
                      str(tmp_path / 'nowhere')]) == 1


def test_submission_round_trip():
    pred = np.array([[10.25, 3.0, 40.0, 51.5, 0.123456789012],
                     [0.0, 0.0, 1e-7, 7.0, 1e-5]])
    text = format_submission('img', pred)
    assert text.splitlines()[:2] == ['img', '2']
    np.testing.assert_array_equal(parse_submission(text), pred)
    np.testing.assert_array_equal(
        parse_submission(format_submission('img', np.zeros((0, 5)))),
        np.zeros((0, 5)))


@pytest.mark.parametrize('text, line, reason', [
    ('', 1, 'image name'),
    ('img\n', 2, 'image name'),
    ('img\ntwo\n', 2, 'numbers'),
    ('img\n-1\n', 2, 'box count'),
    ('img\n1\n1 2 3 4\n', 3, 'x y w h score'),
    ('img\n1\n1 2 3 4 nan\n', 3, 'NaN'),
    ('img\n1\n1 2 3 4 0.5\n5 6 7 8 0.1\n', 4, 'more box lines'),
])
def test_parse_errors_name_the_line(text, line, reason):
    with pytest.raises(SubmissionFormatError, match=reason) as err:
        parse_submission(text, 'f.txt')
    assert str(err.value).startswith(f'f.txt:{line}:')


def test_parse_tolerates_blank_lines_commas_and_extra_columns():
    pred = parse_submission('img\n2\n\n1,2,3,4,0.5\n5 6 7 8 0.25 extra_ok\n\n'
                            .replace('extra_ok', '9'))
    np.testing.assert_array_equal(pred, [[1, 2, 3, 4, 0.5], [5, 6, 7, 8, 0.25]])


def test_cli_refuses_json_onto_its_input(tiny_wider, tmp_path, capsys):
    tool = load_tool(TOOL, 'wider_eval')
    pred_dir = tmp_path / 'pred'
    write_submission_dir(str(pred_dir), tiny_wider.preds)
    pred = pred_dir / '0--Parade' / 'img_a.txt'
    before = pred.read_text()
    gt_mat = pathlib.Path(tiny_wider.gt_dir) / 'wider_face_val.mat'
    gt_before = gt_mat.read_bytes()
    for out in (pred, pred_dir / 'aps.json', gt_mat):
        assert tool.main(['--pred', str(pred_dir), '--gt', tiny_wider.gt_dir,
                          '--json', str(out)]) == 1
        assert f'wider_eval: error: {out}: ' in capsys.readouterr().err
    assert pred.read_text() == before and gt_mat.read_bytes() == gt_before
    assert not (pred_dir / 'aps.json').exists()
    # a folder whose name only starts like the prediction folder's is fine
    out = tmp_path / 'pred2' / 'aps.json'
    out.parent.mkdir()
    assert tool.main(['--pred', str(pred_dir), '--gt', tiny_wider.gt_dir,
                      '--json', str(out)]) == 0
    assert json.loads(out.read_text()) == pytest.approx(tiny_wider.aps,
                                                        abs=1e-12)
