"""Bad annotation files and images given to the WIDER FACE and FDDB converters
(see ``conftest.py``: one error line naming file and line, no output)."""
from pathlib import Path

import pytest
from PIL import Image

from mmfacerfcn.data_formats.wider_sample import make_wider_sample
from mmfacerfcn.testing.cli import assert_refused, run_script
from mmfacerfcn.testing.sample_data import make_fddb_root

REPO = Path(__file__).resolve().parents[2]
WIDER = REPO / 'tools' / 'dataset_converters' / 'wider_face_to_coco.py'
FDDB = REPO / 'tools' / 'dataset_converters' / 'fddb_to_coco.py'
WIDER_GT = 'wider_face_split/wider_face_train_bbx_gt.txt'


@pytest.fixture
def wider_root(tmp_path: Path) -> Path:
    root = tmp_path / 'wider'
    make_wider_sample(root, num_train=2, num_val=2, num_test=1)
    return root


def refused(capsys, monkeypatch, script, tmp_path, *args, names=()):
    """Run a converter into ``tmp_path/out/coco.json``; check the refusal."""
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    status = run_script(monkeypatch, script, *args, out_dir / 'coco.json',
                        '--no-progress')
    return assert_refused(status, capsys.readouterr().err, *names,
                          folder=out_dir)


def train(root: Path):
    """Arguments converting the train split of ``root``."""
    return root, '--split', 'train'


@pytest.mark.parametrize('count', ['²', '٣', '１', '+1', '1_0'])
def test_wider_count_not_ascii_digits(wider_root, tmp_path, monkeypatch,
                                      capsys, count):
    gt = wider_root / WIDER_GT
    lines = gt.read_text().splitlines()
    lines[1] = count
    gt.write_text('\n'.join(lines) + '\n')
    line = refused(capsys, monkeypatch, WIDER, tmp_path, *train(wider_root),
                   names=[f'{gt}:2:'])
    assert 'expected a face count' in line


def test_wider_face_field_not_ascii_digits(wider_root, tmp_path, monkeypatch,
                                           capsys):
    gt = wider_root / WIDER_GT
    lines = gt.read_text().splitlines()
    fields = lines[2].split()
    lines[2] = ' '.join(['１２'] + fields[1:])
    gt.write_text('\n'.join(lines) + '\n')
    refused(capsys, monkeypatch, WIDER, tmp_path, *train(wider_root),
            names=[f'{gt}:3:', '１２'])


def test_wider_gt_not_utf8(wider_root, tmp_path, monkeypatch, capsys):
    gt = wider_root / WIDER_GT
    lines = gt.read_text().encode().splitlines()
    lines[0] = lines[0].replace(b'_', b'\xe9', 1)
    gt.write_bytes(b'\n'.join(lines) + b'\n')
    line = refused(capsys, monkeypatch, WIDER, tmp_path, *train(wider_root),
                   names=[f'{gt}:1:'])
    assert 'not UTF-8' in line


@pytest.mark.parametrize('content', [b'this is no MATLAB file\n', 'truncated'])
def test_wider_val_mat_broken(wider_root, tmp_path, monkeypatch, capsys,
                              content):
    mat = wider_root / 'eval_tools' / 'ground_truth' / 'wider_face_val.mat'
    data = mat.read_bytes()
    mat.write_bytes(data[:len(data) // 2] if content == 'truncated' else
                    content)
    line = refused(capsys, monkeypatch, WIDER, tmp_path, wider_root,
                   '--split', 'val', names=[mat])
    assert 'cannot read .mat file' in line


@pytest.mark.parametrize('tool', ['wider', 'fddb'])
def test_truncated_jpeg(wider_root, tmp_path, monkeypatch, capsys, tool):
    if tool == 'wider':
        image = next((wider_root / 'WIDER_train' / 'images').rglob('*.jpg'))
        args, listed = train(wider_root), wider_root / WIDER_GT
    else:
        listed, image = make_fddb_root(tmp_path / 'fddb')
        args = (tmp_path / 'fddb', )
    Image.new('RGB', (64, 64), 'white').save(image, quality=95)
    data = image.read_bytes()
    image.write_bytes(data[:len(data) * 2 // 3])  # the header is complete
    line = refused(capsys, monkeypatch, WIDER if tool == 'wider' else FDDB,
                   tmp_path, *args, names=[listed, image])
    assert 'truncated' in line


def test_fddb_fold_not_utf8(tmp_path, monkeypatch, capsys):
    fold, _ = make_fddb_root(tmp_path / 'fddb')
    fold.write_bytes(b'2002/07/19/big/img_1\n1\n8 4 0 20 20 \xff1\n')
    line = refused(capsys, monkeypatch, FDDB, tmp_path, tmp_path / 'fddb',
                   names=[f'{fold}:3:'])
    assert 'not UTF-8 text (byte 0xff at column 13)' in line


@pytest.mark.parametrize('ellipse, field', [
    ('1e200 4 0 20 20 1', 'major_axis_radius 1e+200'),
    ('8 1e300 0 20 20 1', 'minor_axis_radius 1e+300'),
    ('8 4 0 -1e200 20 1', 'center_x -1e+200'),
    ('８ 4 0 20 20 1', "got '８'"),
])
def test_fddb_ellipse_out_of_range(tmp_path, monkeypatch, capsys, ellipse,
                                   field):
    fold, _ = make_fddb_root(tmp_path / 'fddb')
    fold.write_text(f'2002/07/19/big/img_1\n1\n{ellipse}\n')
    refused(capsys, monkeypatch, FDDB, tmp_path, tmp_path / 'fddb',
            names=[f'{fold}:3:', field])


def test_fddb_count_superscript(tmp_path, monkeypatch, capsys):
    fold, _ = make_fddb_root(tmp_path / 'fddb')
    fold.write_text('2002/07/19/big/img_1\n²\n8 4 0 20 20 1\n')
    refused(capsys, monkeypatch, FDDB, tmp_path, tmp_path / 'fddb',
            names=[f'{fold}:2:'])
