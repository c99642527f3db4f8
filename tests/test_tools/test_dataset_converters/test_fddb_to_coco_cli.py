"""The FDDB converter CLI, run in-process through its ``__main__``."""
import json
from pathlib import Path

import pytest

from mmfacerfcn.testing.cli import run_script
from mmfacerfcn.testing.sample_data import make_fddb_root

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / 'tools' / 'dataset_converters' / 'fddb_to_coco.py'


def test_fddb_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture) -> None:
    fold, image = make_fddb_root(tmp_path)
    out = tmp_path / 'fddb.json'
    assert run_script(monkeypatch, SCRIPT, tmp_path, out, '--no-progress') == 0
    coco = json.loads(out.read_text())
    assert coco['images'][0]['fold'] == 4
    assert coco['annotations'][0]['bbox'] == [12, 16, 16, 8]
    assert ('faces: 1 (face lines read 1 = annotations in the JSON written 1)'
            in capsys.readouterr().out)

    fold.write_text('2002/07/19/big/img_1\n1\n8 4 0 20\n')
    out.unlink()
    assert run_script(monkeypatch, SCRIPT, tmp_path, out, '--no-progress') == 1
    err = capsys.readouterr().err
    assert 'FDDB-fold-04-ellipseList.txt:3: expected 6 numbers' in err
    assert not out.exists()


@pytest.mark.parametrize('target', ['fold', 'image', 'new_in_folds'])
def test_fddb_cli_refuses_to_write_into_its_input(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture, target: str) -> None:
    fold, image = make_fddb_root(tmp_path)
    out = {'fold': fold, 'image': image,
           'new_in_folds': fold.parent / 'fddb.json'}[target]
    before = {p: p.read_bytes() for p in (fold, image)}
    assert run_script(monkeypatch, SCRIPT, tmp_path, out, '--no-progress') == 1
    assert f'error: {out}: ' in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before
    assert not (fold.parent / 'fddb.json').exists()
