"""The WIDER FACE converter CLI: as a script (subprocess) for the error paths,
in-process through its ``__main__`` for the success path (importing mmfacerfcn
in a fresh interpreter costs seconds)."""
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mmfacerfcn.data_formats.wider_sample import make_wider_sample

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / 'tools' / 'dataset_converters' / 'wider_face_to_coco.py'


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          cwd=REPO, capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)


@pytest.fixture(scope='module')
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp('wider')
    make_wider_sample(root, num_train=3, num_val=4, num_test=2)
    return root


def test_cli_writes_json_and_summary(sample_root: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / 'annotations' / 'wider_face_val.json'
    monkeypatch.setattr(sys, 'argv',
                        [str(SCRIPT), str(sample_root), str(out), '--split', 'val'])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(SCRIPT), run_name='__main__')
    stdout = capsys.readouterr().out
    assert info.value.code == 0
    coco = json.loads(out.read_text())
    gt = (sample_root / 'wider_face_split' / 'wider_face_val_bbx_gt.txt')
    face_lines = sum(len(line.split()) == 10 for line in gt.read_text().splitlines())
    num_empty = coco['info']['summary']['empty_images']
    # Dummy lines of empty images have 10 fields too but are not faces.
    assert len(coco['annotations']) == face_lines - num_empty
    assert len(coco['images']) == 4 and coco['info']['split'] == 'val'
    assert all('subsets' in a for a in coco['annotations'])
    faces = len(coco['annotations'])
    assert (f'face lines read {faces} = annotations in the JSON written {faces}'
            in stdout)
    assert 'val subsets: easy' in stdout
    # Only the JSON is left: the temporary file was renamed onto it.
    assert [p.name for p in out.parent.iterdir()] == ['wider_face_val.json']


def test_cli_malformed_line_exits_with_file_and_line(sample_root: Path,
                                                     tmp_path: Path) -> None:
    root = tmp_path / 'broken'
    (root / 'wider_face_split').mkdir(parents=True)
    gt = sample_root / 'wider_face_split' / 'wider_face_train_bbx_gt.txt'
    lines = gt.read_text().splitlines()
    lines[2] = lines[2].replace(lines[2].split()[1], 'abc', 1)
    (root / 'wider_face_split' / 'wider_face_train_bbx_gt.txt').write_text(
        '\n'.join(lines) + '\n')
    out = tmp_path / 'out.json'
    result = run_cli(root, out, '--split', 'train')
    assert result.returncode == 1
    assert "wider_face_train_bbx_gt.txt:3: expected 10 integers, got 'abc'" in (
        result.stderr)
    assert 'Traceback' not in result.stderr
    assert not out.exists() and list(tmp_path.glob('*.tmp')) == []


def test_cli_missing_mat_for_val(sample_root: Path, tmp_path: Path) -> None:
    root = tmp_path / 'no_mat'
    (root / 'wider_face_split').mkdir(parents=True)
    for name in ('wider_face_val_bbx_gt.txt', ):
        (root / 'wider_face_split' / name).write_bytes(
            (sample_root / 'wider_face_split' / name).read_bytes())
    out = tmp_path / 'out.json'
    result = run_cli(root, out, '--split', 'val', '--no-progress')
    assert result.returncode == 1
    assert 'wider_face_val.mat: file not found' in result.stderr
    assert 'Traceback' not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize('target', ['annotation', 'image', 'mat'])
def test_cli_refuses_to_overwrite_its_input(sample_root: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture,
                                            target: str) -> None:
    root = tmp_path / 'wider'
    shutil.copytree(sample_root, root)
    split = 'val' if target == 'mat' else 'train'
    out = {
        'annotation': root / 'wider_face_split' / 'wider_face_train_bbx_gt.txt',
        'image': next((root / 'WIDER_train' / 'images').rglob('*.jpg')),
        'mat': root / 'eval_tools' / 'ground_truth' / 'wider_face_val.mat',
    }[target]
    before = out.read_bytes()
    monkeypatch.setattr(sys, 'argv',
                        [str(SCRIPT), str(root), str(out), '--split', split])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(SCRIPT), run_name='__main__')
    assert info.value.code == 1
    assert f'error: {out}: ' in capsys.readouterr().err
    assert out.read_bytes() == before
    assert not list(out.parent.glob('.*.tmp'))


def test_cli_refuses_output_in_the_image_folder(sample_root: Path,
                                                tmp_path: Path) -> None:
    out = sample_root / 'WIDER_val' / 'images' / 'val.json'
    result = run_cli(sample_root, out, '--split', 'val', '--no-progress')
    assert result.returncode == 1
    assert (f'{out}: lies inside the input folder '
            f'{sample_root / "WIDER_val"}') in result.stderr
    assert 'Traceback' not in result.stderr
    assert not out.exists()
