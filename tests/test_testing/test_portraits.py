"""The three real portraits written for tools/infer.py and the main job."""
import json
import subprocess
import sys

import cv2
import matplotlib
import numpy as np
import pytest
import skimage.data
import torch
from PIL import Image
from torchvision.ops import box_iou

from mmfacerfcn.data_formats.wider_sample import SAMPLE_SKIMAGE_PICTURES
from mmfacerfcn.testing.portraits import (
    FACE_FREE_FILES,
    PORTRAIT_FACES,
    PORTRAIT_FILES,
    SKIMAGE_PICTURES,
    check_portraits,
    main,
    write_portraits,
)


def test_written_as_the_packages_ship_them(tmp_path):
    paths = write_portraits(str(tmp_path / 'p'))
    assert list(paths) == list(PORTRAIT_FILES + FACE_FREE_FILES)
    grace = cv2.imread(paths['grace_hopper.jpg'])
    assert grace.shape == (600, 512, 3)
    with open(paths['grace_hopper.jpg'], 'rb') as f, open(
            f'{matplotlib.get_data_path()}/sample_data/grace_hopper.jpg',
            'rb') as g:
        assert f.read() == g.read()
    # PNG is lossless: the pixels are scikit-image's own.
    astronaut = cv2.imread(paths['astronaut.png'])[..., ::-1]
    np.testing.assert_array_equal(astronaut, skimage.data.astronaut())
    camera = cv2.imread(paths['camera.png'], cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(camera, skimage.data.camera())
    text = cv2.imread(paths['text.png'], cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(text, skimage.data.text())
    for name, loader in (('retina.png', skimage.data.retina),
                         ('ihc.png', skimage.data.immunohistochemistry)):
        np.testing.assert_array_equal(cv2.imread(paths[name])[..., ::-1],
                                      loader())


def test_the_picture_lists():
    # Other code and scripts import these: derived from one table, the same
    # names in the same order as when each was written out.
    assert PORTRAIT_FILES == ('grace_hopper.jpg', 'astronaut.png',
                              'camera.png')
    assert FACE_FREE_FILES == ('text.png', 'retina.png', 'ihc.png')
    # Each picture written but matplotlib's is scikit-image's.
    assert set(SKIMAGE_PICTURES) == set(
        PORTRAIT_FILES + FACE_FREE_FILES) - {'grace_hopper.jpg'}


def test_face_free_pictures_are_not_in_the_sample():
    # Every box on them is a mistake on a picture the model never saw.
    held_out = {SKIMAGE_PICTURES[name] for name in FACE_FREE_FILES}
    assert len(held_out) == 3 and not held_out & SAMPLE_SKIMAGE_PICTURES
    assert {'coffee', 'brick', 'page'} <= SAMPLE_SKIMAGE_PICTURES


def test_command_line(tmp_path):
    out = subprocess.run(
        [sys.executable, '-m', 'mmfacerfcn.testing.portraits', str(tmp_path)],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        PORTRAIT_FILES + FACE_FREE_FILES)
    out = subprocess.run([sys.executable, '-m', 'mmfacerfcn.testing.portraits'],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and 'usage' in out.stderr


def write_detections(folder, boxes):
    folder.mkdir(exist_ok=True)
    for name, bboxes in boxes.items():
        (folder / (name.rsplit('.', 1)[0] + '.json')).write_text(json.dumps(
            dict(bboxes=bboxes, scores=[0.9] * len(bboxes))))


def test_hand_drawn_faces_lie_inside_the_pictures(tmp_path):
    paths = write_portraits(str(tmp_path))
    assert sorted(PORTRAIT_FACES) == sorted(PORTRAIT_FILES)
    for name, (x1, y1, x2, y2) in PORTRAIT_FACES.items():
        height, width = cv2.imread(paths[name]).shape[:2]
        # A portrait's face: a sizeable, roughly square box in the picture.
        assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
        assert 60 <= x2 - x1 <= 250 and 0.8 <= (y2 - y1) / (x2 - x1) <= 1.4


def test_hand_drawn_faces_agree_with_mtcnn(tmp_path):
    """An independent check of the boxes drawn by hand: MTCNN (the
    strongest of the classical peers, an optional extra), with its own
    settings, finds each portrait's face where it was drawn. (Its box for
    the camera man overlapped the box first drawn, hairline to chin with
    the ear and 33 px of hair, by 0.48.)"""
    facenet = pytest.importorskip('facenet_pytorch')
    paths = write_portraits(str(tmp_path))
    mtcnn = facenet.MTCNN(keep_all=True, device='cpu')
    for name, face in PORTRAIT_FACES.items():
        # A PIL picture, as compare_face_detectors.py feeds it.
        boxes, _ = mtcnn.detect(Image.open(paths[name]).convert('RGB'))
        assert boxes is not None, name
        # (An object array: a float dtype makes it one array.)
        boxes = np.asarray(boxes, dtype=np.float32)
        ious = box_iou(torch.from_numpy(boxes),
                       torch.tensor([face], dtype=torch.float))[:, 0]
        assert float(ious.max()) >= 0.6, (name, boxes.round(), ious)


def test_check_finds_the_face_and_counts_the_other_boxes(tmp_path, capsys):
    x1, y1, x2, y2 = PORTRAIT_FACES['astronaut.png']
    shifted = [x1 + 0.3 * (x2 - x1), y1, x2 + 0.3 * (x2 - x1), y2]  # IoU 0.54
    write_detections(tmp_path, {
        'grace_hopper.jpg': [list(PORTRAIT_FACES['grace_hopper.jpg']),
                             [0, 0, 50, 50], [10, 10, 60, 60]],
        'astronaut.png': [shifted],
        'camera.png': [],
        'text.png': [],
        'retina.png': [[0, 0, 50, 50], [100, 100, 300, 300]],
        'ihc.png': [[5, 5, 9, 9]],
    })
    report = check_portraits(str(tmp_path))
    assert report['grace_hopper.jpg'] == (1.0, 2)
    assert report['astronaut.png'][0] == pytest.approx(0.7 / 1.3)
    assert report['astronaut.png'][1] == 0
    assert report['camera.png'] == (0.0, 0)
    # Every box on a face-free picture is another box.
    assert [report[n] for n in FACE_FREE_FILES] == [(None, 0), (None, 2),
                                                     (None, 1)]
    main(['--check', str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith('grace_hopper.jpg: face found')
    assert out[2].startswith('camera.png: face missed')
    assert out[3:] == ['text.png: no face, 0 box(es)',
                       'retina.png: no face, 2 box(es)',
                       'ihc.png: no face, 1 box(es)']
    # Below 0.5 the box does not find the face and counts as another box.
    assert check_portraits(str(tmp_path), min_iou=0.6)['astronaut.png'] == (
        pytest.approx(0.7 / 1.3), 1)


def test_check_names_missing_or_malformed_detections(tmp_path):
    write_detections(tmp_path, {'grace_hopper.jpg': []})
    with pytest.raises(SystemExit, match='astronaut.json'):
        main(['--check', str(tmp_path)])
    write_detections(tmp_path, {'astronaut.png': [], 'camera.png': []})
    (tmp_path / 'camera.json').write_text('{"bboxes": [[1, 2, 3]]}')
    with pytest.raises(SystemExit, match='camera.json.*x1 y1 x2 y2'):
        main(['--check', str(tmp_path)])
    (tmp_path / 'camera.json').write_text('{"bboxes": []}')
    with pytest.raises(SystemExit, match='text.json'):  # a face-free one
        main(['--check', str(tmp_path)])
    with pytest.raises(SystemExit, match='usage'):
        main(['--chek', str(tmp_path)])
