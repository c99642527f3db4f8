"""FDDB to COCO: the box of a rotated ellipse, the tree, errors."""
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmfacerfcn.data_formats.fddb_coco import convert_fddb, ellipse_to_bbox
from mmfacerfcn.data_formats.fddb_ellipses import FddbFormatError


@pytest.mark.parametrize('ellipse, expected', [
    # Axis-aligned, major axis along x: half extents (ra, rb) = (3, 2), so the
    # box is x 10-3=7, y 20-2=18, w 6, h 4.
    ((3, 2, 0.0, 10, 20), (7, 18, 6, 4)),
    # Turned by 90 degrees the axes swap: half extents (2, 3).
    ((3, 2, math.pi / 2, 10, 20), (8, 17, 4, 6)),
    # 45 degrees, ra=2, rb=1: cos² = sin² = 1/2, so both half extents are
    # sqrt(4/2 + 1/2) = sqrt(2.5) ~ 1.5811.
    ((2, 1, math.pi / 4, 0, 0),
     (-math.sqrt(2.5), -math.sqrt(2.5), 2 * math.sqrt(2.5), 2 * math.sqrt(2.5))),
])
def test_ellipse_to_bbox_worked_examples(ellipse, expected) -> None:
    assert ellipse_to_bbox(*ellipse) == pytest.approx(expected, abs=1e-12)


def test_ellipse_to_bbox_matches_sampled_outline() -> None:
    # Independent reference: the extremes of many points on the outline.
    t = np.linspace(0, 2 * np.pi, 200001)
    for ra, rb, theta in [(123.58, 85.55, 1.2658), (40, 25, -0.4), (10, 10, 2.0)]:
        x = ra * np.cos(t) * np.cos(theta) - rb * np.sin(t) * np.sin(theta) + 5
        y = ra * np.cos(t) * np.sin(theta) + rb * np.sin(t) * np.cos(theta) + 7
        ref = (x.min(), y.min(), x.max() - x.min(), y.max() - y.min())
        assert ellipse_to_bbox(ra, rb, theta, 5, 7) == pytest.approx(ref, abs=1e-6)


def write_fddb(root: Path) -> None:
    folds = root / 'FDDB-folds'
    folds.mkdir(parents=True)
    (folds / 'FDDB-fold-01-ellipseList.txt').write_text(
        '2002/08/11/big/img_591\n1\n'
        '30.000000 20.000000 1.570796 50.000000 40.000000  1\n'
        '2002/08/26/big/img_265\n2\n'
        '10 5 0 20 20  1\n'
        '10 5 0 95 50  1\n')  # leaves the 100 px wide image on the right
    (folds / 'FDDB-fold-02-ellipseList.txt').write_text(
        '2003/01/01/big/img_7\n0\n')
    for path, size in (('2002/08/11/big/img_591', (120, 90)),
                       ('2002/08/26/big/img_265', (100, 80)),
                       ('2003/01/01/big/img_7', (64, 64))):
        image = root / 'originalPics' / f'{path}.jpg'
        image.parent.mkdir(parents=True, exist_ok=True)
        Image.new('RGB', size).save(image)


def test_convert_fddb_tree(tmp_path: Path) -> None:
    write_fddb(tmp_path)
    coco = convert_fddb(tmp_path)
    assert [(im['file_name'], im['width'], im['height'], im['fold'])
            for im in coco['images']] == [
                ('2002/08/11/big/img_591.jpg', 120, 90, 1),
                ('2002/08/26/big/img_265.jpg', 100, 80, 1),
                ('2003/01/01/big/img_7.jpg', 64, 64, 2)]
    anns = coco['annotations']
    assert [a['image_id'] for a in anns] == [1, 2, 2]
    assert anns[0]['ellipse'] == [30, 20, 1.570796, 50, 40]
    # theta ~ pi/2: half extents (20, 30) -> box 30, 10, 40, 60.
    assert anns[0]['bbox'] == pytest.approx([30, 10, 40, 60], abs=1e-4)
    assert anns[1]['bbox'] == [10, 15, 20, 10] and anns[1]['flags'] == []
    # 85..105 clipped to 85..100.
    assert anns[2]['bbox'] == [85, 45, 15, 10]
    assert anns[2]['flags'] == ['out_of_image'] and anns[2]['iscrowd'] == 0
    summary = coco['info']['summary']
    assert summary['faces'] == summary['face_lines_read'] == 3
    assert summary['empty_images'] == 1 and summary['folds'] == [1, 2]
    assert [im['fold'] for im in convert_fddb(tmp_path, [2])['images']] == [2]


def test_missing_fold_and_image(tmp_path: Path) -> None:
    write_fddb(tmp_path)
    with pytest.raises(FddbFormatError, match='FDDB-fold-05-ellipseList.txt: '
                       'file not found'):
        convert_fddb(tmp_path, [1, 5])
    (tmp_path / 'originalPics' / '2002/08/26/big/img_265.jpg').unlink()
    with pytest.raises(FddbFormatError,
                       match=r'FDDB-fold-01-ellipseList\.txt:4: image not found'):
        convert_fddb(tmp_path)


@pytest.mark.parametrize('image_path, reason', [
    ('../secret/img_1', "has a '..' component"),
    ('2002/../../img_1', "has a '..' component"),
    ('/etc/img_1', 'is an absolute path'),
])
def test_image_path_leaving_original_pics_is_refused(
        tmp_path: Path, image_path: str, reason: str) -> None:
    write_fddb(tmp_path)
    # The image exists where the path points: before the check the converter
    # read it from outside originalPics/.
    if not image_path.startswith('/'):
        outside = tmp_path / 'originalPics' / f'{image_path}.jpg'
        outside.parent.mkdir(parents=True, exist_ok=True)
        Image.new('RGB', (8, 8)).save(outside)
    fold = tmp_path / 'FDDB-folds' / 'FDDB-fold-02-ellipseList.txt'
    fold.write_text(f'2003/01/01/big/img_7\n0\n{image_path}\n1\n'
                    '3 2 0 4 4 1\n')
    with pytest.raises(FddbFormatError) as info:
        convert_fddb(tmp_path)
    assert str(info.value) == (
        f'{fold}:3: image path {image_path!r} {reason}: images must lie inside '
        'originalPics')
