"""The sample's val split in FDDB's layout: ellipses, copies, folds, errors."""
import json
import math
from pathlib import Path
from typing import Dict, Tuple

import pytest
from PIL import Image

from mmfacerfcn.data_formats.fddb_coco import convert_fddb, ellipse_to_bbox
from mmfacerfcn.data_formats.fddb_ellipses import FddbFormatError, read_fddb
from mmfacerfcn.data_formats.fddb_sample import box_to_ellipse, make_fddb_sample
from mmfacerfcn.data_formats.wider_face_txt import WiderFormatError
from mmfacerfcn.data_formats.wider_sample import make_wider_sample
from mmfacerfcn.testing.cli import run_script
from mmfacerfcn.testing.sample_data import read_gt, tree_digest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / 'tools' / 'dataset_converters' / 'make_fddb_sample.py'
CONFIG = REPO / 'configs' / '_base_' / 'datasets' / 'fddb.py'
GT = 'wider_face_split/wider_face_val_bbx_gt.txt'


def expected_faces(wider: Path) -> Tuple[Dict[str, list], Dict[str, int]]:
    """By hand: per FDDB path the clipped boxes kept (invalid 0, clipped
    height >= 20), the skip counts and the kept faces that were clipped."""
    kept = {}
    counts = {'skipped_invalid': 0, 'skipped_small': 0, 'clipped': 0}
    for name, faces in read_gt(wider / GT):
        width, height = Image.open(wider / 'WIDER_val/images' / name).size
        boxes = []
        for x, y, w, h, *attrs in faces:
            if attrs[3]:  # blur expression illumination INVALID occlusion pose
                counts['skipped_invalid'] += 1
                continue
            x1, y1 = max(x, 0), max(y, 0)
            x2, y2 = min(x + w, width), min(y + h, height)
            if y2 - y1 < 20:
                counts['skipped_small'] += 1
                continue
            boxes.append((x1, y1, x2 - x1, y2 - y1))
            counts['clipped'] += boxes[-1] != (x, y, w, h)
        kept['sample/' + name[:-len('.jpg')]] = boxes
    return kept, counts


@pytest.fixture(scope='module')
def sample(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Path, Dict]:
    wider = tmp_path_factory.mktemp('wider')
    # Seed 1: its 6 val pictures hold faces of every kind the FDDB sample
    # skips or clips.
    make_wider_sample(wider, num_train=1, num_val=6, num_test=1, seed=1)
    fddb = tmp_path_factory.mktemp('fddb')
    return wider, fddb, make_fddb_sample(wider, fddb)


def test_ellipses_are_around_the_wider_boxes(sample) -> None:
    wider, fddb, summary = sample
    kept, counts = expected_faces(wider)
    images = read_fddb(fddb)
    # Every val image, dealt round-robin in gt order: fold 1 has images 0, 2,
    # 4 and fold 2 images 1, 3, 5 (read_fddb lists fold by fold).
    order = list(kept)
    assert [(im.path, im.fold) for im in images] == (
        [(order[i], 1) for i in (0, 2, 4)] + [(order[i], 2) for i in (1, 3, 5)])
    for image in images:
        boxes = [ellipse_to_bbox(*e) for e in image.ellipses]
        assert len(boxes) == len(kept[image.path])
        for box, expected, (ra, rb, theta, _, _) in zip(
                boxes, kept[image.path], image.ellipses):
            assert box == pytest.approx(expected, abs=1e-3)
            assert ra >= rb
            # The major axis along the box's longer side: vertical for the
            # upright faces, horizontal where clipping left a box wider
            # than high.
            _, _, w, h = expected
            assert theta == pytest.approx(math.pi / 2 if h >= w else 0.,
                                          abs=1e-9)
    assert summary == {
        'images': 6,
        'faces': sum(map(len, kept.values())),
        **counts,
        'empty_images': sum(not boxes for boxes in kept.values()),
        'folds': [1, 2],
        'images_per_fold': [3, 3],
    }
    # The sample exercises both rules (else this test would prove little).
    assert counts['skipped_invalid'] > 0 and counts['skipped_small'] > 0
    assert counts['clipped'] > 0
    # The image lists name the fold's images, in the ellipse files' order.
    for fold in (1, 2):
        listed = (fddb / f'FDDB-folds/FDDB-fold-{fold:02d}.txt').read_text()
        assert listed.splitlines() == [im.path for im in images
                                       if im.fold == fold]


def test_images_are_byte_identical_copies(sample) -> None:
    wider, fddb, _ = sample
    names = [name for name, _ in read_gt(wider / GT)]
    copies = sorted(p.relative_to(fddb / 'originalPics')
                    for p in (fddb / 'originalPics').rglob('*') if p.is_file())
    assert copies == sorted(Path('sample', name) for name in names)
    for name in names:
        assert ((fddb / 'originalPics/sample' / name).read_bytes() ==
                (wider / 'WIDER_val/images' / name).read_bytes())


def test_same_input_same_bytes(sample, tmp_path: Path) -> None:
    wider, fddb, summary = sample
    assert make_fddb_sample(wider, tmp_path / 'again') == summary
    assert tree_digest(tmp_path / 'again') == tree_digest(fddb)
    # Writing over its own output changes nothing either.
    make_fddb_sample(wider, tmp_path / 'again')
    assert tree_digest(tmp_path / 'again') == tree_digest(fddb)
    make_fddb_sample(wider, tmp_path / 'other', min_face=10)
    assert tree_digest(tmp_path / 'other') != tree_digest(fddb)


def test_converts_to_coco(sample) -> None:
    wider, fddb, summary = sample
    kept, _ = expected_faces(wider)
    coco = convert_fddb(fddb)
    info = coco['info']['summary']
    assert info['images'] == 6 and info['folds'] == [1, 2]
    assert info['faces'] == summary['faces'] == len(coco['annotations'])
    assert info['empty_images'] == summary['empty_images']
    # Inside their images: nothing clipped, nothing ignored.
    assert info['flagged'] == {'zero_size': 0, 'out_of_image': 0}
    assert info['ignored_iscrowd'] == 0
    by_id = {im['id']: im for im in coco['images']}
    for im in coco['images']:
        size = Image.open(wider / 'WIDER_val/images' /
                          im['file_name'][len('sample/'):]).size
        assert (im['width'], im['height']) == size
    got: Dict[str, list] = {path: [] for path in kept}
    for ann in coco['annotations']:
        got[by_id[ann['image_id']]['file_name'][:-len('.jpg')]].append(
            ann['bbox'])
    for path, boxes in kept.items():
        assert got[path] == [pytest.approx(list(b), abs=1e-3) for b in boxes]


def write_wider(root: Path, entries) -> None:
    """A hand-made WIDER val tree: ``(name, (width, height), faces)`` with
    faces as ``(x, y, w, h, invalid)``."""
    lines = []
    for name, size, faces in entries:
        lines += [name, str(len(faces))]
        lines += [f'{x} {y} {w} {h} 0 0 0 {inv} 0 0'
                  for x, y, w, h, inv in faces] or ['0 0 0 0 0 0 0 0 0 0']
        image = root / 'WIDER_val/images' / name
        image.parent.mkdir(parents=True, exist_ok=True)
        Image.new('RGB', size, (40, 80, 120)).save(image)
    (root / 'wider_face_split').mkdir(parents=True)
    (root / GT).write_text('\n'.join(lines) + '\n')


HAND_MADE = [
    ('0--A/a_1.jpg', (100, 80), [
        (10, 10, 20, 30, 0),  # upright: ra 15 (vertical), rb 10
        (50, 5, 40, 24, 0),  # wider than high: ra 20 horizontal, rb 12
        (5, 60, 10, 12, 0),  # 12 px high: skipped
        (30, 40, 25, 25, 1),  # invalid: skipped
        (90, 50, 20, 40, 0),  # leaves right and bottom: clipped to 10 x 30
        (40, 50, 20, 20, 0),  # exactly min_face: kept, a circle
        (70, 40, 19, 19, 0),  # 19 px: skipped
    ]),
    ('0--A/a_2.jpg', (64, 64), []),
    ('1--B/b_3.jpg', (64, 48), [
        (0, 0, 10, 30, 0),
        (40, 40, 20, 20, 0),  # only 8 px high left inside: skipped
    ]),
]


def test_hand_made_tree_gives_the_exact_files(tmp_path: Path) -> None:
    write_wider(tmp_path / 'wider', HAND_MADE)
    summary = make_fddb_sample(tmp_path / 'wider', tmp_path / 'fddb')
    assert summary == {'images': 3, 'faces': 5, 'skipped_invalid': 1,
                       'skipped_small': 3, 'clipped': 1, 'empty_images': 1,
                       'folds': [1, 2], 'images_per_fold': [2, 1]}
    folds = tmp_path / 'fddb/FDDB-folds'
    up = '1.5707963268'
    assert (folds / 'FDDB-fold-01-ellipseList.txt').read_text() == (
        'sample/0--A/a_1\n4\n'
        f'15.000000 10.000000 {up} 20.000000 25.000000  1\n'
        '20.000000 12.000000 0.0000000000 70.000000 17.000000  1\n'
        f'15.000000 5.000000 {up} 95.000000 65.000000  1\n'
        f'10.000000 10.000000 {up} 50.000000 60.000000  1\n'
        'sample/1--B/b_3\n1\n'
        f'15.000000 5.000000 {up} 5.000000 15.000000  1\n')
    assert (folds / 'FDDB-fold-02-ellipseList.txt').read_text() == (
        'sample/0--A/a_2\n0\n')
    assert (folds / 'FDDB-fold-01.txt').read_text() == (
        'sample/0--A/a_1\nsample/1--B/b_3\n')
    assert (folds / 'FDDB-fold-02.txt').read_text() == 'sample/0--A/a_2\n'
    # The written numbers give back the boxes (the 0-count image parses).
    images = read_fddb(tmp_path / 'fddb')
    assert [len(im.ellipses) for im in images] == [4, 1, 0]
    assert ellipse_to_bbox(*images[0].ellipses[2]) == pytest.approx(
        (90, 50, 10, 30), abs=1e-6)
    # One fold, no size limit: every valid face, clipped.
    one = make_fddb_sample(tmp_path / 'wider', tmp_path / 'one', num_folds=1,
                           min_face=0)
    assert (one['faces'], one['skipped_small'], one['folds']) == (8, 0, [1])


@pytest.mark.parametrize('box', [(3, 4, 20, 30), (3, 4, 30, 20), (0, 0, 7, 7),
                                 (10.5, 2, 41, 40)])
def test_box_to_ellipse_round_trip(box) -> None:
    ra, rb, theta, cx, cy = box_to_ellipse(*box)
    assert ra >= rb
    assert ellipse_to_bbox(ra, rb, theta, cx, cy) == pytest.approx(box,
                                                                   abs=1e-9)


def test_missing_or_bad_wider_sample(tmp_path: Path) -> None:
    out = tmp_path / 'fddb'
    with pytest.raises(WiderFormatError, match='wider_face_val_bbx_gt.txt: '
                       'file not found: no WIDER sample here'):
        make_fddb_sample(tmp_path / 'nothing', out)
    assert not out.exists()
    write_wider(tmp_path / 'wider', HAND_MADE)
    (tmp_path / 'wider/WIDER_val/images/1--B/b_3.jpg').unlink()
    with pytest.raises(WiderFormatError,
                       match=r'wider_face_val_bbx_gt.txt:\d+: image not found: '
                       r'.*b_3.jpg'):
        make_fddb_sample(tmp_path / 'wider', out)
    assert not (out / 'FDDB-folds').exists()


def test_bad_arguments(tmp_path: Path) -> None:
    write_wider(tmp_path / 'wider', HAND_MADE)
    for folds in (0, 4, 1.5):
        with pytest.raises(ValueError, match='folds'):
            make_fddb_sample(tmp_path / 'wider', tmp_path / 'fddb',
                             num_folds=folds)
    with pytest.raises(ValueError, match='min_face'):
        make_fddb_sample(tmp_path / 'wider', tmp_path / 'fddb', min_face=-1)
    # A fold left by a run with more folds would join the set: refused.
    make_fddb_sample(tmp_path / 'wider', tmp_path / 'fddb', num_folds=3)
    with pytest.raises(FddbFormatError, match='FDDB-fold-03.*another run'):
        make_fddb_sample(tmp_path / 'wider', tmp_path / 'fddb', num_folds=2)


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture) -> None:
    write_wider(tmp_path / 'wider', HAND_MADE)
    out = tmp_path / 'fddb'
    assert run_script(monkeypatch, SCRIPT, tmp_path / 'wider', out,
                      '--folds', '3') == 0
    printed = capsys.readouterr().out
    assert 'images 3, faces 5, skipped_invalid 1, skipped_small 3' in printed
    assert len(read_fddb(out)) == 3
    assert sorted(p.name for p in (out / 'FDDB-folds').iterdir()) == sorted(
        f'FDDB-fold-0{k}{s}.txt' for k in (1, 2, 3)
        for s in ('', '-ellipseList'))
    assert run_script(monkeypatch, SCRIPT, tmp_path / 'none',
                      tmp_path / 'x') == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and 'wider_face_val_bbx_gt.txt' in err
    assert 'Traceback' not in err and not (tmp_path / 'x').exists()


def test_config_reads_the_sample_with_empty_images(sample,
                                                   tmp_path: Path) -> None:
    from mmdet.registry import DATASETS
    from mmengine.config import Config

    cfg = Config.fromfile(CONFIG)
    dataset = cfg.test_dataloader.dataset
    assert (dataset.data_root, dataset.ann_file) == ('data/fddb/',
                                                     'annotations/fddb.json')
    assert dataset.data_prefix == {'img': 'originalPics/'}
    assert dataset.filter_cfg == {'filter_empty_gt': False}
    assert dataset.test_mode and dataset.metainfo == {'classes': ('face', )}
    assert cfg.test_evaluator == {'type': 'FDDBMetric',
                                  'ann_file': 'data/fddb/annotations/fddb.json'}
    # WIDER FACE's test pipeline; training and validation stay on WIDER.
    assert dataset.pipeline == cfg.val_dataloader.dataset.pipeline
    assert cfg.val_dataloader.dataset.data_root == 'data/WIDERFace/'
    assert cfg.val_evaluator.type == 'WiderFaceMetric'

    wider, fddb, summary = sample
    ann = tmp_path / 'fddb_sample.json'
    ann.write_text(json.dumps(convert_fddb(fddb)))
    dataset.data_root = str(fddb) + '/'
    dataset.ann_file = str(ann)
    built = DATASETS.build(dataset)
    assert len(built) == summary['images']  # images without face kept
    assert sum(len(built.get_data_info(i)['instances'])
               for i in range(len(built))) == summary['faces']
    item = built[0]
    assert item['data_samples'].img_path.startswith(
        str(fddb / 'originalPics' / 'sample'))
