"""WIDER FACE to COCO on small handmade trees: flags, clipping, counts, and
the val subsets taken from the evaluation's own .mat reader."""
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pytest
import scipy.io
from PIL import Image

from mmfacerfcn.data_formats.wider_face_coco import convert_wider
from mmfacerfcn.data_formats.wider_face_txt import WiderFormatError
from mmfacerfcn.evaluation.functional.wider_face_gt import (
    load_wider_gt_mat,
    parse_wider_gt_coco,
)

# (file_name, (width, height), face lines as 10 ints; [] = no face)
Entry = Tuple[str, Tuple[int, int], List[List[int]]]

ENTRIES: List[Entry] = [
    ('0--Parade/0_Parade_a.jpg', (100, 80), [
        [10, 10, 20, 30, 0, 0, 0, 0, 0, 0],
        [50, 40, 0, 15, 1, 0, 0, 0, 0, 0],  # zero width
        [90, 70, 20, 20, 2, 1, 1, 0, 2, 1],  # leaves the image: clipped to 10x10
    ]),
    ('0--Parade/0_Parade_b.jpg', (64, 48), []),  # count 0 + dummy line
    ('1--Handshaking/1_Handshaking_c.jpg', (60, 40), [
        [5, 5, 8, 8, 0, 0, 0, 1, 0, 0],  # invalid
        [70, 10, 10, 10, 0, 0, 0, 0, 0, 0],  # wholly outside: nothing left
    ]),
]


def gt_text(entries: Sequence[Entry]) -> str:
    """The gt txt of ``entries`` in the official format."""
    lines = []
    for file_name, _, faces in entries:
        lines += [file_name, str(len(faces))]
        lines += [' '.join(map(str, face)) + ' ' for face in faces] or ['0 ' * 10]
    return '\n'.join(lines) + '\n'


def write_images(root: Path, split: str, entries: Sequence[Entry]) -> None:
    for file_name, size, _ in entries:
        path = root / f'WIDER_{split}' / 'images' / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new('RGB', size, (90, 120, 150)).save(path)


def cell(values: Sequence) -> np.ndarray:
    out = np.empty((len(values), 1), dtype=object)
    for i, value in enumerate(values):
        out[i, 0] = value
    return out


def write_mats(gt_dir: Path, entries: Sequence[Entry],
               subsets: Dict[str, List[List[int]]]) -> None:
    """Write the four eval .mat files; ``subsets[name][k]`` holds the 1-based
    indices of image ``k``. Every image has its own event here, the nesting is
    ``x[e][0][i][0]`` as in the official files."""
    gt_dir.mkdir(parents=True, exist_ok=True)
    events = sorted({e[0].split('/')[0] for e in entries})
    rows = {ev: [k for k, e in enumerate(entries) if e[0].startswith(ev + '/')]
            for ev in events}
    common = {
        'event_list': cell(events),
        'file_list': cell([cell([Path(entries[k][0]).stem for k in rows[ev]])
                           for ev in events]),
    }
    boxes = cell([cell([np.array([f[:4] for f in entries[k][2]],
                                 dtype=float).reshape(-1, 4) for k in rows[ev]])
                  for ev in events])
    scipy.io.savemat(gt_dir / 'wider_face_val.mat',
                     {**common, 'face_bbx_list': boxes})
    for name, per_image in subsets.items():
        gt_list = cell([cell([np.array(per_image[k], dtype=float).reshape(-1, 1)
                              for k in rows[ev]]) for ev in events])
        scipy.io.savemat(gt_dir / f'wider_{name}_val.mat',
                         {**common, 'gt_list': gt_list})


SUBSETS = {'easy': [[1], [], []], 'medium': [[1, 3], [], []],
           'hard': [[1, 3], [], [1]]}


@pytest.fixture
def wider_root(tmp_path: Path) -> Path:
    """A tree with the train, val (same images, with .mat) and test splits."""
    split_dir = tmp_path / 'wider_face_split'
    split_dir.mkdir()
    for split in ('train', 'val', 'test'):
        write_images(tmp_path, split, ENTRIES)
    (split_dir / 'wider_face_train_bbx_gt.txt').write_text(gt_text(ENTRIES))
    (split_dir / 'wider_face_val_bbx_gt.txt').write_text(gt_text(ENTRIES))
    (split_dir / 'wider_face_test_filelist.txt').write_text(''.join(
        f'{e[0]}\n' for e in ENTRIES))
    write_mats(tmp_path / 'eval_tools' / 'ground_truth', ENTRIES, SUBSETS)
    return tmp_path


def test_convert_train_flags_clips_and_counts(wider_root: Path) -> None:
    coco = convert_wider(wider_root, 'train')
    assert coco['categories'] == [{'id': 1, 'name': 'face'}]
    assert coco['images'][0] == {'id': 1, 'file_name': ENTRIES[0][0], 'width': 100,
                                 'height': 80, 'event': '0--Parade'}
    assert [im['id'] for im in coco['images']] == [1, 2, 3]
    anns = coco['annotations']
    assert [a['id'] for a in anns] == [1, 2, 3, 4, 5]
    assert [a['image_id'] for a in anns] == [1, 1, 1, 3, 3]
    assert [a['face_index'] for a in anns] == [0, 1, 2, 0, 1]
    assert [a['wider_bbox'] for a in anns] == [f[:4] for e in ENTRIES for f in e[2]]
    assert [a['bbox'] for a in anns] == [[10, 10, 20, 30], [50, 40, 0, 15],
                                         [90, 70, 10, 10], [5, 5, 8, 8],
                                         [60, 10, 0, 10]]
    assert [a['area'] for a in anns] == [600, 0, 100, 64, 0]
    assert [a['flags'] for a in anns] == [[], ['zero_size'], ['out_of_image'],
                                          ['invalid'], ['out_of_image']]
    # Clipped but still visible stays a training face; the rest is ignored.
    assert [a['iscrowd'] for a in anns] == [0, 1, 0, 1, 1]
    assert anns[2]['attributes']['occlusion'] == 2
    assert all('subsets' not in a for a in anns)
    summary = coco['info']['summary']
    assert coco['info']['split'] == 'train'
    assert summary['images'] == 3 and summary['empty_images'] == 1
    assert summary['faces'] == summary['face_lines_read'] == 5
    assert summary['flagged'] == {'invalid': 1, 'zero_size': 1, 'out_of_image': 2}
    assert summary['ignored_iscrowd'] == 3


def test_convert_val_records_official_subsets(wider_root: Path) -> None:
    coco = convert_wider(wider_root, 'val')
    got = [(a['image_id'], a['face_index'], a['subsets'])
           for a in coco['annotations']]
    assert got == [
        (1, 0, {'easy': True, 'medium': True, 'hard': True}),
        (1, 1, {'easy': False, 'medium': False, 'hard': False}),
        (1, 2, {'easy': False, 'medium': True, 'hard': True}),
        (3, 0, {'easy': False, 'medium': False, 'hard': True}),
        (3, 1, {'easy': False, 'medium': False, 'hard': False}),
    ]
    assert coco['info']['summary']['subsets'] == {'easy': 1, 'medium': 2,
                                                  'hard': 3}


def test_val_json_agrees_with_the_mat_reader(wider_root: Path) -> None:
    # One reader, one key convention: what the converter writes for val reads
    # back as exactly what the evaluation reads from the .mat files.
    from_json = parse_wider_gt_coco(convert_wider(wider_root, 'val'))
    from_mat = load_wider_gt_mat(str(wider_root / 'eval_tools' / 'ground_truth'))
    assert list(from_json) == list(from_mat) == [
        '0--Parade/0_Parade_a', '0--Parade/0_Parade_b',
        '1--Handshaking/1_Handshaking_c']
    for key, gt in from_mat.items():
        np.testing.assert_array_equal(from_json[key].boxes, gt.boxes)
        assert from_json[key].subsets.keys() == gt.subsets.keys()
        for name, mask in gt.subsets.items():
            np.testing.assert_array_equal(from_json[key].subsets[name], mask)
    # 1-based gt_list [1, 3] is faces 0 and 2.
    assert from_mat['0--Parade/0_Parade_a'].subsets['medium'].tolist() == [
        True, False, True]


def test_convert_test_split_gives_images_only(wider_root: Path) -> None:
    coco = convert_wider(wider_root, 'test')
    assert [im['file_name'] for im in coco['images']] == [e[0] for e in ENTRIES]
    assert [(im['width'], im['height']) for im in coco['images']] == [
        e[1] for e in ENTRIES]
    assert coco['annotations'] == []
    assert coco['info']['summary']['annotated'] is False


def test_missing_split_file(tmp_path: Path) -> None:
    with pytest.raises(WiderFormatError, match='wider_face_train_bbx_gt.txt: '
                       'file not found'):
        convert_wider(tmp_path, 'train')


def test_missing_image_names_gt_file_and_line(wider_root: Path) -> None:
    (wider_root / 'WIDER_train' / 'images' / ENTRIES[2][0]).unlink()
    with pytest.raises(WiderFormatError) as info:
        convert_wider(wider_root, 'train')
    assert info.value.file.endswith('wider_face_train_bbx_gt.txt')
    assert info.value.line == 9
    assert 'image not found' in info.value.message


@pytest.mark.parametrize('missing', ['wider_face_val.mat', 'wider_hard_val.mat'])
def test_missing_mat_for_val(wider_root: Path, missing: str) -> None:
    (wider_root / 'eval_tools' / 'ground_truth' / missing).unlink()
    with pytest.raises(WiderFormatError, match=f'{missing}: file not found'):
        convert_wider(wider_root, 'val')
    # The train split does not need the .mat files.
    convert_wider(wider_root, 'train')


def test_mat_disagreeing_with_gt_is_an_error(wider_root: Path) -> None:
    gt_dir = wider_root / 'eval_tools' / 'ground_truth'
    write_mats(gt_dir, ENTRIES, {**SUBSETS, 'hard': [[1, 4], [], [1]]})
    with pytest.raises(WiderFormatError, match=r'wider_hard_val\.mat: .*outside'):
        convert_wider(wider_root, 'val')
    fewer = [ENTRIES[0], ENTRIES[1], (ENTRIES[2][0], ENTRIES[2][1], [])]
    write_mats(gt_dir, fewer, {k: [[], [], []] for k in SUBSETS})
    with pytest.raises(WiderFormatError,
                       match='1--Handshaking/1_Handshaking_c has 0 faces in '
                       r'face_bbx_list but 2 in .*_gt\.txt:9'):
        convert_wider(wider_root, 'val')
    write_mats(gt_dir, ENTRIES[:2], {k: [[], []] for k in SUBSETS})
    with pytest.raises(WiderFormatError,
                       match=r'wider_face_val\.mat: no entry for '
                       r'1--Handshaking/1_Handshaking_c \(.*_gt\.txt:9\)'):
        convert_wider(wider_root, 'val')


def test_convert_does_not_read_an_image_outside_the_root(
        wider_root: Path) -> None:
    # The image exists, one folder above WIDER_train/images: before the check
    # the converter read it and wrote '../outside.jpg' into the JSON.
    Image.new('RGB', (8, 8)).save(wider_root / 'WIDER_train' / 'outside.jpg')
    gt_file = wider_root / 'wider_face_split' / 'wider_face_train_bbx_gt.txt'
    gt_file.write_text(gt_text(ENTRIES) + '../outside.jpg\n1\n1 2 3 4 0 0 0 0 0 0\n')
    with pytest.raises(WiderFormatError,
                       match=r"_gt\.txt:13: image path '\.\./outside\.jpg' has"):
        convert_wider(wider_root, 'train')
