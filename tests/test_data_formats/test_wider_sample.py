"""The embedded WIDER sample: official layout, determinism, round trip."""
from collections import Counter
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import pytest
import scipy.io
from PIL import Image

from mmfacerfcn.data_formats.wider_face_coco import convert_wider
from mmfacerfcn.data_formats.wider_sample import (
    DISTRACTOR_FILES,
    SAMPLE_VERSION,
    _soft_mask,
    make_wider_sample,
    read_distractors,
    sample_is_current,
    sample_version,
    stale_sample_warning,
    wider_subsets,
)
from mmfacerfcn.testing.sample_data import read_gt, tree_digest
from mmfacerfcn.utils.input_files import InputFileError

SIZES = dict(num_train=6, num_val=12, num_test=3)


@pytest.fixture(scope='module')
def sample(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Dict]:
    root = tmp_path_factory.mktemp('wider_sample')
    return root, make_wider_sample(root, seed=3, **SIZES)


def test_same_seed_same_bytes(sample: Tuple[Path, Dict], tmp_path: Path) -> None:
    root, _ = sample
    again = make_wider_sample(tmp_path / 'a', seed=3, **SIZES)
    gt = 'wider_face_split/wider_face_val_bbx_gt.txt'
    assert (tmp_path / 'a' / gt).read_bytes() == (root / gt).read_bytes()
    assert tree_digest(tmp_path / 'a') == tree_digest(root)
    assert again == sample[1]
    make_wider_sample(tmp_path / 'b', seed=4, **SIZES)
    assert tree_digest(tmp_path / 'b') != tree_digest(root)


def test_the_generator_version_is_recorded(sample: Tuple[Path, Dict],
                                           tmp_path: Path) -> None:
    root, _ = sample
    assert sample_version(root) == SAMPLE_VERSION
    assert sample_version(tmp_path) is None  # no sample
    (tmp_path / 'wider_face_split').mkdir()
    (tmp_path / 'wider_face_split' / 'sample_version.txt').write_text('x')
    assert sample_version(tmp_path) is None  # not a version


def test_a_sample_of_another_version_is_stale(sample: Tuple[Path, Dict],
                                              tmp_path: Path) -> None:
    root, _ = sample
    assert sample_is_current(root) and stale_sample_warning(root) is None
    # No sample: not current, but nothing to warn about replacing.
    assert not sample_is_current(tmp_path)
    assert stale_sample_warning(tmp_path) is None
    split = tmp_path / 'wider_face_split'
    split.mkdir()
    for written in (None, SAMPLE_VERSION - 1, SAMPLE_VERSION + 1):
        if written is not None:
            (split / 'sample_version.txt').write_text(f'{written}\n')
        assert not sample_is_current(tmp_path)
        assert stale_sample_warning(tmp_path) == (
            f'{tmp_path} was written by another version of the sample '
            f'generator ({written}, this one is {SAMPLE_VERSION}); writing '
            'the current sample over it')
    (split / 'sample_version.txt').write_text(f'{SAMPLE_VERSION}\n')
    assert sample_is_current(tmp_path)
    assert stale_sample_warning(tmp_path) is None


def test_official_layout_and_mat_nesting(sample: Tuple[Path, Dict]) -> None:
    root, summary = sample
    gt_dir = root / 'eval_tools' / 'ground_truth'
    val = scipy.io.loadmat(gt_dir / 'wider_face_val.mat')
    gt_val = read_gt(root / 'wider_face_split' / 'wider_face_val_bbx_gt.txt')
    by_name = dict(gt_val)
    seen = []
    for e in range(len(val['event_list'])):
        event = val['event_list'][e][0][0]
        assert isinstance(event, str)
        for i in range(len(val['file_list'][e][0])):
            name = val['file_list'][e][0][i][0][0]
            boxes = val['face_bbx_list'][e][0][i][0]
            file_name = f'{event}/{name}.jpg'
            seen.append(file_name)
            faces = by_name[file_name]
            assert boxes.shape == (len(faces), 4)
            np.testing.assert_array_equal(
                boxes, np.array([f[:4] for f in faces]).reshape(-1, 4))
    # Same images in the same (event-grouped) order as the gt txt.
    assert seen == [name for name, _ in gt_val]
    for split, num in (('train', 6), ('val', 12)):
        gt = read_gt(root / 'wider_face_split' / f'wider_face_{split}_bbx_gt.txt')
        assert len(gt) == num
        assert sum(not faces for _, faces in gt) == summary[split][
            'empty_images'] == (1 if num < 10 else 2)
        for name, faces in gt:
            with Image.open(root / f'WIDER_{split}' / 'images' / name) as image:
                width, height = image.size
                assert image.format == 'JPEG' and image.mode == 'RGB'
            assert 320 <= max(width, height) <= 640
            assert len(faces) <= 12
            assert all(len(f) == 10 and f[2] > 0 and f[3] > 0 for f in faces)
            # Faces never overlap (the generator keeps a gap between them).
            for a in range(len(faces)):
                for b in range(a + 1, len(faces)):
                    (xa, ya, wa, ha), (xb, yb, wb, hb) = faces[a][:4], faces[b][:4]
                    assert (xa + wa <= xb or xb + wb <= xa or ya + ha <= yb
                            or yb + hb <= ya)
    test_list = (root / 'wider_face_split' /
                 'wider_face_test_filelist.txt').read_text().split()
    assert len(test_list) == 3
    assert all((root / 'WIDER_test' / 'images' / n).is_file() for n in test_list)


def test_round_trip_through_converter(sample: Tuple[Path, Dict]) -> None:
    root, summary = sample
    for split in ('train', 'val'):
        gt = read_gt(root / 'wider_face_split' / f'wider_face_{split}_bbx_gt.txt')
        coco = convert_wider(root, split)
        lines = Counter((name, face) for name, faces in gt for face in faces)
        names = {im['id']: im['file_name'] for im in coco['images']}
        written = Counter(
            (names[a['image_id']], tuple(a['wider_bbox']) + tuple(
                a['attributes'][k] for k in ('blur', 'expression', 'illumination',
                                             'invalid', 'occlusion', 'pose')))
            for a in coco['annotations'])
        # Every gt line appears once (Counter equality also checks duplicates).
        assert written == lines
        assert coco['info']['summary']['faces'] == summary[split]['faces']
        assert coco['info']['summary']['flagged']['invalid'] == summary[split][
            'invalid']
        assert coco['info']['summary']['flagged']['out_of_image'] == summary[
            split]['out_of_image']
    # Val subsets in the JSON equal the .mat gt_lists and the documented rule.
    gt_dir = root / 'eval_tools' / 'ground_truth'
    names = {im['id']: im['file_name'] for im in coco['images']}
    for subset in ('easy', 'medium', 'hard'):
        mat = scipy.io.loadmat(gt_dir / f'wider_{subset}_val.mat')
        from_mat = set()
        for e in range(len(mat['event_list'])):
            event = mat['event_list'][e][0][0]
            for i in range(len(mat['file_list'][e][0])):
                name = mat['file_list'][e][0][i][0][0]
                index = mat['gt_list'][e][0][i][0]
                assert index.ndim == 2 and index.shape[1] == 1
                from_mat |= {(f'{event}/{name}.jpg', int(k) - 1)
                             for k in index.ravel()}
        from_json = {(names[a['image_id']], a['face_index'])
                     for a in coco['annotations'] if a['subsets'][subset]}
        assert from_json == from_mat
        assert len(from_json) == summary['val'][subset]
    for a in coco['annotations']:
        attrs = a['attributes']
        assert a['subsets'] == wider_subsets(tuple(a['wider_bbox']), attrs)
        # Nested: easy in medium in hard.
        assert a['subsets']['easy'] <= a['subsets']['medium'] <= a['subsets'][
            'hard']
        assert not (attrs['invalid'] and a['subsets']['hard'])
    assert summary['val']['easy'] < summary['val']['medium'] < summary['val'][
        'hard']


def test_default_sample_has_every_attribute(tmp_path: Path) -> None:
    summary = make_wider_sample(tmp_path)
    assert {s: summary[s]['images'] for s in summary} == {'train': 150, 'val': 30,
                                                          'test': 6}
    coco = convert_wider(tmp_path, 'train')
    values = {k: {a['attributes'][k] for a in coco['annotations']}
              for k in ('blur', 'illumination', 'invalid', 'occlusion', 'pose')}
    assert values == {'blur': {0, 1, 2}, 'illumination': {0, 1},
                      'invalid': {0, 1}, 'occlusion': {0, 1, 2}, 'pose': {0, 1}}
    heights = [a['wider_bbox'][3] for a in coco['annotations']]
    assert min(heights) < 12 and max(heights) > 90
    assert summary['train']['out_of_image'] > 0


def test_soft_paste_alpha_fades_to_the_corners() -> None:
    alpha = np.asarray(_soft_mask(np.random.default_rng(0), 40, 50))
    assert alpha.shape == (50, 40)
    # Opaque in the middle, transparent in the corners: no rectangular frame.
    assert alpha[25, 20] == 255
    assert alpha[0, 0] == alpha[0, -1] == alpha[-1, 0] == alpha[-1, -1] == 0
    diagonal = [int(alpha[round(i * 1.25), i]) for i in range(20)]
    assert diagonal == sorted(diagonal)  # rises from corner to centre


def test_default_sample_has_portraits(tmp_path: Path) -> None:
    make_wider_sample(tmp_path, num_train=40, num_val=1, num_test=1)
    portraits = 0
    for name, faces in read_gt(tmp_path / 'wider_face_split' /
                               'wider_face_train_bbx_gt.txt'):
        with Image.open(tmp_path / 'WIDER_train' / 'images' / name) as image:
            height = image.size[1]
        if len(faces) == 1 and faces[0][3] >= 0.3 * height:
            portraits += 1
    # One image in five with faces, within the spread of 40 draws.
    assert 3 <= portraits <= 16


def _apart(a, b) -> bool:
    """Two ``x y w h`` boxes share no pixel."""
    (xa, ya, wa, ha), (xb, yb, wb, hb) = a, b
    return xa + wa <= xb or xb + wb <= xa or ya + ha <= yb or yb + hb <= ya


def test_distractors_are_recorded_beside_the_gt(
        sample: Tuple[Path, Dict]) -> None:
    root, summary = sample
    for split in ('train', 'val'):
        gt = read_gt(root / 'wider_face_split' / f'wider_face_{split}_bbx_gt.txt')
        record = read_distractors(root, split)
        # One entry per picture, in the gt file's order.
        assert [im.file_name for im in record] == [name for name, _ in gt]
        assert sum(len(im.faces) for im in record) == summary[split][
            'distractors']
        for (name, faces), im in zip(gt, record):
            boxes = [f.bbox for f in im.faces]
            assert len(boxes) <= 8
            assert all(set(f.attributes.values()) == {0} for f in im.faces)
            with Image.open(root / f'WIDER_{split}' / 'images' / name) as image:
                width, height = image.size
            for x, y, w, h in boxes:
                # Inside the picture, at least 15 px high before rotation.
                assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
                assert w >= 8 and h >= 8
            # Never on a face, nor on each other.
            for a, box in enumerate(boxes):
                assert all(_apart(box, tuple(f[:4])) for f in faces)
                assert all(_apart(box, other) for other in boxes[a + 1:])
    assert summary['train']['distractors'] + summary['val']['distractors'] > 0
    # Not a gt file: nothing reads it as faces (the converter reads the gt).
    names = {p.name for p in (root / 'wider_face_split').iterdir()}
    assert set(DISTRACTOR_FILES.values()) <= names


def test_distractor_record_missing_or_of_no_split(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        read_distractors(tmp_path, 'val')
    message = str(err.value)
    assert str(tmp_path / 'wider_face_split' / DISTRACTOR_FILES['val']) in message
    assert 'make_wider_sample.py' in message
    with pytest.raises(ValueError, match='test'):
        read_distractors(tmp_path, 'test')
