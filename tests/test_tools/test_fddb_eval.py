"""tools/fddb_eval.py end to end on a tiny FDDB tree: 2 folds, 3 images, one
face each, the same upright ellipse; TPRs computed by hand."""
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmfacerfcn.testing.cli import load_tool

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'fddb_eval.py'

IMAGES = {'2002/07/19/big/img_1': 1, '2002/07/19/big/img_2': 1,
          '2003/01/01/big/img_3': 2}
WIDTH, HEIGHT = 120, 100
# major radius 20 along the y axis (angle pi/2), minor 15, centre (60, 50)
FACE = '20 15 1.5707963 60 50 1'
FACE_BOX = '45 30 30 40'  # columns 45..75, rows 30..70: around the ellipse


def ellipse_pixels(a: int, b: int) -> int:
    """Pixels of the upright ellipse with integer radii a (rows) and b
    (columns), by the protocol's rule: the closed ellipse meets the unit
    horizontal or vertical segment through the pixel's centre."""
    dy, dx = np.mgrid[-a - 1:a + 2, -b - 1:b + 2].astype(float)
    near_x = np.maximum(np.abs(dx) - 0.5, 0)
    near_y = np.maximum(np.abs(dy) - 0.5, 0)
    inside = (((near_x / b) ** 2 + (dy / a) ** 2 <= 1)
              | ((dx / b) ** 2 + (near_y / a) ** 2 <= 1))
    return int(inside.sum())


#: Overlap ratio of FACE and FACE_BOX: the box (31 x 41 pixels, both corners
#: included) holds the ellipse, so the ratio is |ellipse| / |box|.
RATIO = ellipse_pixels(20, 15) / (31 * 41)


fddb_eval = load_tool(TOOL, 'fddb_eval')


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / 'FDDB'
    (root / 'FDDB-folds').mkdir(parents=True)
    for path, fold in IMAGES.items():
        image = root / 'originalPics' / f'{path}.jpg'
        image.parent.mkdir(parents=True, exist_ok=True)
        Image.new('RGB', (WIDTH, HEIGHT), (128, 128, 128)).save(image)
        with open(root / 'FDDB-folds' / f'FDDB-fold-{fold:02d}-ellipseList.txt',
                  'a') as f:
            f.write(f'{path}\n1\n{FACE}\n')
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def main_dets(tmp_path: Path) -> Path:
    """The face boxes of images 1 (score 0.9) and 2 (0.8), a false positive
    in image 2 (0.95); image 3 is not listed."""
    return write(tmp_path / 'dets' / 'all.txt',
                 f'2002/07/19/big/img_1\n1\n{FACE_BOX} 0.9\n'
                 f'2002/07/19/big/img_2\n2\n{FACE_BOX} 0.8\n0 0 10 10 0.95\n')


def run(capsys, *args):
    status = fddb_eval.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def table_rows(out: str):
    """The table's rows below the header, as lists of cells."""
    lines = [line for line in out.splitlines() if line.startswith('|')]
    return [[c.strip() for c in line.split('|')[1:-1]] for line in lines[1:]]


def test_scores_a_detection_file(root, tmp_path, capsys):
    out_dir = tmp_path / 'roc'
    status, out, err = run(capsys, '--pred', main_dets(tmp_path),
                           '--fddb-root', root, '--out-dir', out_dir)
    assert status == 0, err
    assert 'FDDB folds 1, 2: 3 images, 3 faces' in out
    assert ('all: detections for 2 of 3 images (1 absent from the detection '
            'files count as images without detections)') in out
    # 1 false positive in all: every figure is at the lowest threshold.
    # 2 of 3 faces found; continuous: the two ratios over 3 faces.
    disc, cont = f'{2 / 3:.4f}', f'{2 * RATIO / 3:.4f}'
    assert table_rows(out) == [['all'] + [disc] * 3 + [cont] * 3 + ['3', '3']]
    assert 0.7 < RATIO < 0.85
    # Thresholds ascending; image 3 adds the DBL_MAX point.
    assert (out_dir / 'DiscROC.txt').read_text() == (
        '0.666667 1 0.8\n0.333333 1 0.9\n0 1 0.95\n0 0 1.79769e+308\n')
    assert (out_dir / 'ContROC.txt').read_text() == (
        f'{2 * RATIO / 3:g} 1\n{RATIO / 3:g} 1\n0 1\n0 0\n')
    assert (out_dir / 'roc.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert sorted(p.name for p in out_dir.iterdir()) == [
        'ContROC.txt', 'DiscROC.txt', 'roc.png']


def test_folds_and_images_of_other_folds(root, tmp_path, capsys):
    dets = main_dets(tmp_path)
    status, out, err = run(capsys, '--pred', dets, '--fddb-root', root,
                           '--folds', 1)
    assert status == 0, err
    assert 'FDDB folds 1: 2 images, 2 faces' in out
    assert table_rows(out) == [['all'] + ['1.0000'] * 3 +
                               [f'{RATIO:.4f}'] * 3 + ['2', '2']]
    # Fold 2 alone: the file's images are all of fold 1, ignored.
    status, out, err = run(capsys, '--pred', dets, '--fddb-root', root,
                           '--folds', 2)
    assert status == 0, err
    assert ('all: detections for 0 of 1 images (1 absent from the detection '
            'files count as images without detections); 2 images of other '
            'folds ignored') in out
    assert table_rows(out) == [['all'] + ['0.0000'] * 6 + ['1', '1']]


def test_files_per_fold_are_merged(root, tmp_path, capsys):
    fold1 = main_dets(tmp_path)
    fold2 = write(tmp_path / 'dets' / 'fold-02-out.txt',
                  f'2003/01/01/big/img_3\n1\n{FACE_BOX} 0.7\n')
    status, out, err = run(capsys, '--pred', fold1, fold2, '--fddb-root',
                           root, '--name', 'R-FCN')
    assert status == 0, err
    assert 'R-FCN: detections for 3 of 3 images (0 absent' in out
    assert table_rows(out) == [['R-FCN'] + ['1.0000'] * 3 +
                               [f'{RATIO:.4f}'] * 3 + ['3', '3']]


def test_two_detectors_compared(root, tmp_path, capsys):
    ours = main_dets(tmp_path)
    theirs = write(tmp_path / 'theirs' / 'dets.txt',
                   f'2003/01/01/big/img_3\n1\n{FACE_BOX} 0.7\n')
    out_dir = tmp_path / 'cmp'
    status, out, err = run(capsys, '--pred', ours, '--pred', theirs,
                           '--name', 'ours', 'theirs', '--fddb-root', root,
                           '--out-dir', out_dir)
    assert status == 0, err
    rows = table_rows(out)
    assert [r[:2] for r in rows] == [['ours', f'{2 / 3:.4f}'],
                                     ['theirs', f'{1 / 3:.4f}']]
    assert 'theirs lacks 2 images; the files of one detector go to one ' \
        '--pred' in err
    assert sorted(p.name for p in out_dir.iterdir()) == [
        'oursContROC.txt', 'oursDiscROC.txt', 'roc.png', 'theirsContROC.txt',
        'theirsDiscROC.txt']
    assert (out_dir / 'theirsDiscROC.txt').read_text() == (
        '0.333333 0 0.7\n0 0 1.79769e+308\n')


def expect_error(capsys, pattern: str, *args) -> str:
    status, out, err = run(capsys, *args)
    assert status == 1
    assert 'Traceback' not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith('fddb_eval: error: '), err
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]


def test_image_in_no_fold_is_an_error_naming_file_and_line(root, tmp_path,
                                                            capsys):
    dets = write(tmp_path / 'dets.txt',
                 f'2002/07/19/big/img_1\n1\n{FACE_BOX} 0.9\n'
                 '2002/07/19/big/img_9\n0\n')
    expect_error(capsys, rf"{re.escape(str(dets))}:4: image "
                 r"'2002/07/19/big/img_9' is in no fold of .*FDDB-folds$",
                 '--pred', dets, '--fddb-root', root)
    # With --folds 1 as well: img_9 is in no fold at all, not another one.
    expect_error(capsys, r':4: image .* is in no fold', '--pred', dets,
                 '--fddb-root', root, '--folds', 1)
    jpg = write(tmp_path / 'jpg.txt', '2003/01/01/big/img_3.jpg\n0\n')
    expect_error(capsys, r"jpg\.txt:1: .* \(write it without the extension: "
                 r"'2003/01/01/big/img_3'\)", '--pred', jpg, '--fddb-root',
                 root)


def test_same_image_in_two_files_is_an_error(root, tmp_path, capsys):
    first = main_dets(tmp_path)
    second = write(tmp_path / 'b.txt', '2003/01/01/big/img_3\n0\n'
                   '2002/07/19/big/img_2\n0\n')
    expect_error(capsys, rf"b\.txt:3: image '2002/07/19/big/img_2' is also in "
                 rf"{re.escape(str(first))}:4; an image belongs in one",
                 '--pred', first, second, '--fddb-root', root)
    expect_error(capsys, r'all\.txt: given twice to one --pred', '--pred',
                 first, first, '--fddb-root', root)


def test_refusals(root, tmp_path, capsys):
    dets = main_dets(tmp_path)
    common = ('--pred', dets, '--fddb-root', root)
    inside = root / 'results'
    expect_error(capsys, r'DiscROC\.txt: lies inside the input folder',
                 *common, '--out-dir', inside)
    assert not inside.exists()
    expect_error(capsys, r'holds the detection file .*all\.txt; a later '
                 r'--pred', *common, '--out-dir', dets.parent)
    expect_error(capsys, r'is a file, not a folder', *common, '--out-dir',
                 dets)
    expect_error(capsys, r'2 --name for 1 --pred', *common, '--name', 'a',
                 'b')
    expect_error(capsys, r"--name 'a/b': a detector name becomes a file",
                 *common, '--name', 'a/b')
    expect_error(capsys, r'missing\.txt: file not found', '--pred',
                 tmp_path / 'missing.txt', '--fddb-root', root)
    expect_error(capsys, r'FDDB-fold-05-ellipseList\.txt: file not found',
                 *common, '--folds', 5)
    bad = write(tmp_path / 'bad.txt', '2002/07/19/big/img_1\n1\n1 2 3 4\n')
    expect_error(capsys, rf'{re.escape(str(bad))}:3: expected 5 numbers',
                 '--pred', bad, '--fddb-root', root)
    (root / 'originalPics' / '2003/01/01/big/img_3.jpg').unlink()
    expect_error(capsys, r'FDDB-fold-02-ellipseList\.txt:1: image not found: '
                 r'.*originalPics/2003/01/01/big/img_3\.jpg$', *common)
    (root / 'originalPics' / '2003/01/01/big/img_3.jpg').write_text('no jpg')
    expect_error(capsys, r'fold-02-ellipseList\.txt:1: cannot read image '
                 r'.*img_3\.jpg', *common)
    assert not (tmp_path / 'roc').exists()
