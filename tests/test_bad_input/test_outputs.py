"""Output paths a tool cannot write (see ``conftest.py``): a folder, a path
under a file, a read-only file or folder, a full disk. Each is refused with
one line naming the output, before the work where it can be known, and
nothing is left behind: no partial file, no temporary file, no new folder.

The converter and the evaluation CLIs share the checks and the atomic writer
of :mod:`mmfacerfcn.utils.output_paths`; ``tools/infer.py`` and
``tools/fddb_eval.py`` check their ``--out-dir`` before any work.
"""
import os
from pathlib import Path

import pytest

from mmfacerfcn.evaluation.functional.wider_submission import (
    write_submission_dir,
)
from mmfacerfcn.testing.cli import (
    assert_refused,
    files_under,
    fill_disk,
    run_script,
)
from mmfacerfcn.testing.sample_data import make_fddb_root

REPO = Path(__file__).resolve().parents[2]
FDDB = REPO / 'tools' / 'dataset_converters' / 'fddb_to_coco.py'
WIDER_EVAL = REPO / 'tools' / 'wider_eval.py'
INFER = REPO / 'tools' / 'infer.py'
FDDB_EVAL = REPO / 'tools' / 'fddb_eval.py'


def under_a_file(folder: Path) -> Path:
    (folder / 'out.json').write_text('{}')
    return folder / 'out.json' / 'x.json'


def a_folder(folder: Path) -> Path:
    (folder / 'out').mkdir()
    return folder / 'out'


def read_only_file(folder: Path) -> Path:
    (folder / 'out.json').write_text('{}')
    (folder / 'out.json').chmod(0o444)
    return folder / 'out.json'


def in_read_only_folder(folder: Path) -> Path:
    (folder / 'ro').mkdir()
    (folder / 'ro').chmod(0o555)
    return folder / 'ro' / 'sub' / 'out.json'


CASES = {'under a file': under_a_file, 'a folder': a_folder,
         'read-only file': read_only_file,
         'read-only folder': in_read_only_folder}


@pytest.fixture
def out_dir(tmp_path: Path):
    folder = tmp_path / 'out_dir'
    folder.mkdir()
    yield folder
    for path in [folder, *folder.rglob('*')]:  # let pytest clean up
        if path.is_dir():
            path.chmod(0o755)


def convert_fddb(monkeypatch, tmp_path: Path, out: Path) -> int:
    make_fddb_root(tmp_path / 'fddb')
    return run_script(monkeypatch, FDDB, tmp_path / 'fddb', out,
                      '--no-progress')


def evaluate(monkeypatch, tiny_wider, tmp_path: Path, out: Path) -> int:
    write_submission_dir(str(tmp_path / 'pred'), tiny_wider.preds)
    return run_script(monkeypatch, WIDER_EVAL, '--pred', tmp_path / 'pred',
                      '--gt', tiny_wider.gt_dir, '--json', out)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('tool', ['converter', 'wider_eval'])
def test_unwritable_output(tiny_wider, tmp_path, out_dir, monkeypatch, capsys,
                           case, tool):
    out = CASES[case](out_dir)
    before = files_under(out_dir)
    status = (convert_fddb(monkeypatch, tmp_path, out) if tool == 'converter'
              else evaluate(monkeypatch, tiny_wider, tmp_path, out))
    assert_refused(status, capsys.readouterr().err, out, folder=out_dir,
                   before=before)


@pytest.mark.parametrize('tool', ['converter', 'wider_eval'])
def test_full_disk(tiny_wider, tmp_path, out_dir, monkeypatch, capsys, tool):
    out = out_dir / 'new' / 'out.json'
    fill_disk(monkeypatch)
    status = (convert_fddb(monkeypatch, tmp_path, out) if tool == 'converter'
              else evaluate(monkeypatch, tiny_wider, tmp_path, out))
    line = assert_refused(status, capsys.readouterr().err, out,
                          os.strerror(28), folder=out_dir)
    assert 'cannot write' in line


@pytest.mark.parametrize('case', ['under a file', 'read-only folder'])
def test_infer_out_dir(tmp_path, out_dir, monkeypatch, capsys, case):
    image = tmp_path / 'face.jpg'
    image.write_bytes(b'not read: the out dir is refused first')
    target = {'under a file': under_a_file,
              'read-only folder': in_read_only_folder}[case](out_dir).parent
    before = files_under(out_dir)
    status = run_script(monkeypatch, INFER, image, '--out-dir', target,
                        '--checkpoint', tmp_path / 'none.pth')
    assert_refused(status, capsys.readouterr().err, target, folder=out_dir,
                   before=before)


def evaluate_fddb(monkeypatch, tmp_path: Path, out_dir: Path) -> int:
    """fddb_eval.py on the one-face FDDB tree, its ROC files into
    ``out_dir``."""
    make_fddb_root(tmp_path / 'fddb')
    dets = tmp_path / 'dets' / 'all.txt'
    dets.parent.mkdir()
    dets.write_text('2002/07/19/big/img_1\n1\n12 0 16 20 0.9\n')
    return run_script(monkeypatch, FDDB_EVAL, '--pred', dets, '--fddb-root',
                      tmp_path / 'fddb', '--out-dir', out_dir)


def test_fddb_eval_out_dir_in_read_only_folder(tmp_path, out_dir,
                                                monkeypatch, capsys):
    target = in_read_only_folder(out_dir).parent
    before = files_under(out_dir)
    status = evaluate_fddb(monkeypatch, tmp_path, target)
    assert_refused(status, capsys.readouterr().err, target.parent,
                   folder=out_dir, before=before)


def test_fddb_eval_full_disk(tmp_path, out_dir, monkeypatch, capsys):
    target = out_dir / 'roc'
    before = files_under(out_dir)
    fill_disk(monkeypatch)
    status = evaluate_fddb(monkeypatch, tmp_path, target)
    # no ROC file, no temporary file, and the folder it made is gone too
    line = assert_refused(status, capsys.readouterr().err, target,
                          os.strerror(28), folder=out_dir, before=before)
    assert 'cannot write' in line
