"""The FDDB converter CLI, run in-process through its ``__main__``."""
import json
import runpy
import sys
from pathlib import Path

import pytest
from PIL import Image

SCRIPT = Path(__file__).resolve().parents[2] / 'data_converters' / 'fddb_to_coco.py'


def run_main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, 'argv', [str(SCRIPT), *map(str, args)])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(SCRIPT), run_name='__main__')
    return info.value.code


def make_fddb_root(tmp_path: Path):
    """One fold file with one face and its 40 x 30 image, under ``tmp_path``.

    Returns:
        tuple[Path, Path]: The fold file and the image.
    """
    fold = tmp_path / 'FDDB-folds' / 'FDDB-fold-04-ellipseList.txt'
    fold.parent.mkdir()
    fold.write_text('2002/07/19/big/img_1\n1\n8 4 0 20 20  1\n')
    image = tmp_path / 'originalPics' / '2002/07/19/big/img_1.jpg'
    image.parent.mkdir(parents=True)
    Image.new('RGB', (40, 30)).save(image)
    return fold, image


def test_fddb_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture) -> None:
    fold, image = make_fddb_root(tmp_path)
    out = tmp_path / 'fddb.json'
    assert run_main(monkeypatch, tmp_path, out, '--no-progress') == 0
    coco = json.loads(out.read_text())
    assert coco['images'][0]['fold'] == 4
    assert coco['annotations'][0]['bbox'] == [12, 16, 16, 8]
    assert 'verified' in capsys.readouterr().out

    fold.write_text('2002/07/19/big/img_1\n1\n8 4 0 20\n')
    out.unlink()
    assert run_main(monkeypatch, tmp_path, out, '--no-progress') == 1
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
    assert run_main(monkeypatch, tmp_path, out, '--no-progress') == 1
    assert f'error: {out}: ' in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before
    assert not (fold.parent / 'fddb.json').exists()
