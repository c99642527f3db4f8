"""`tools/infer.py` on a photo, a folder and a video, with a random model.

The checkpoint is the small ResNet-18 model, randomly initialised: its boxes
mean nothing, but they go through the whole path (pipeline, model, rescale to
the original image, drawing, JSON).
"""
import json
import os.path as osp
import subprocess
import sys

import cv2
import matplotlib
import pytest
import torch

from mmfacerfcn.testing.cli import env_without
from mmfacerfcn.testing.configs import (
    CONFIGS,
    REPO,
    save_test_checkpoint,
    write_random_checkpoint,
)
from mmfacerfcn.testing.detections import assert_same_detections

INFER = osp.join(REPO, 'tools', 'infer.py')
CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
PHOTO = osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return write_random_checkpoint(
        tmp_path_factory.mktemp('ckpt') / 'random.pth')


@pytest.fixture(scope='module')
def verified_checkpoint(tmp_path_factory):
    """The same random weights with the crop verifier marked trained and
    a steep detection calibration, which spreads the final scores (the
    random detector's and verifier's are all near 0.5) over both sides
    of infer.py's threshold."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    model.verifier.fitted.fill_(True)
    model.verifier.detection_calibration.slope.fill_(50.)
    model.verifier.detection_calibration.bias.fill_(-2.)
    return save_test_checkpoint(
        model, tmp_path_factory.mktemp('ckpt') / 'verified.pth')


def infer(*args):
    return subprocess.run([sys.executable, INFER, *args, '--device', 'cpu'],
                          capture_output=True, text=True, timeout=300)


def check_record(record, height, width):
    assert (record['height'], record['width']) == (height, width)
    assert len(record['bboxes']) == len(record['scores'])
    for x1, y1, x2, y2 in record['bboxes']:
        assert 0 <= x1 <= x2 <= width and 0 <= y1 <= y2 <= height


def test_photo_and_score_threshold(tmp_path, verified_checkpoint):
    checkpoint = verified_checkpoint
    out = infer(PHOTO, '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'all'), '--score-thr', '0')
    assert out.returncode == 0, out.stderr[-3000:]
    height, width = cv2.imread(PHOTO).shape[:2]
    drawn = cv2.imread(str(tmp_path / 'all' / 'grace_hopper.jpg'))
    assert drawn.shape[:2] == (height, width)
    record = json.loads((tmp_path / 'all' / 'grace_hopper.json').read_text())
    assert record['image'] == PHOTO
    check_record(record, height, width)
    assert record['bboxes'], 'a random model still proposes boxes'

    # Without --score-thr: the detections at 0.3 or above (the
    # JSON rounds scores to 4 decimals).
    out = infer(PHOTO, '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'default'))
    assert out.returncode == 0, out.stderr[-3000:]
    default = json.loads(
        (tmp_path / 'default' / 'grace_hopper.json').read_text())
    every = list(zip(record['bboxes'], record['scores']))
    kept = list(zip(default['bboxes'], default['scores']))
    assert all(s >= 0.3 - 1e-4 and (b, s) in every for b, s in kept)
    assert all((b, s) in kept for b, s in every if s >= 0.3 + 1e-4)
    assert 0 < len(kept) < len(every)

    out = infer(PHOTO, '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'none'), '--score-thr', '1.1')
    assert out.returncode == 0, out.stderr[-3000:]
    record = json.loads((tmp_path / 'none' / 'grace_hopper.json').read_text())
    assert record['bboxes'] == [] and record['scores'] == []
    assert (tmp_path / 'none' / 'grace_hopper.jpg').exists()


def test_cfg_options_override_the_config(tmp_path, checkpoint):
    """--cfg-options as in mmdet's tools: with at most 3 detections a
    picture, the 3 highest-scoring of the run without it."""
    def detections(name, *extra):
        out = infer(PHOTO, '--checkpoint', checkpoint, '--out-dir',
                    str(tmp_path / name), '--score-thr', '0', *extra)
        assert out.returncode == 0, out.stderr[-3000:]
        record = json.loads((tmp_path / name / 'grace_hopper.json').read_text())
        return sorted(zip(record['scores'], record['bboxes']), reverse=True)

    every = detections('all')
    assert len(every) > 3
    assert detections('top3', '--cfg-options',
                      'model.test_cfg.rcnn.max_per_img=3') == every[:3]


def test_tta_on_a_photo(tmp_path, checkpoint):
    """--tta: the config's scales and flips, merged; a config that turns TTA
    off is refused by name. (tests/test_utils/test_tta.py checks the boxes.)"""
    out = infer(PHOTO, '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'tta'), '--score-thr', '0', '--tta')
    assert out.returncode == 0, out.stderr[-3000:]
    height, width = cv2.imread(PHOTO).shape[:2]
    record = json.loads((tmp_path / 'tta' / 'grace_hopper.json').read_text())
    check_record(record, height, width)
    assert record['bboxes']

    no_tta = tmp_path / 'no_tta.py'
    no_tta.write_text(f'_base_ = [{CONFIG!r}]\ntta_model = None\n')
    out = infer(PHOTO, '--config', str(no_tta), '--checkpoint', checkpoint,
                '--out-dir', str(tmp_path / 'refused'), '--tta')
    assert out.returncode == 1
    assert f'{no_tta}: defines no tta_model' in out.stderr, out.stderr[-2000:]
    assert not (tmp_path / 'refused').exists()


def test_folder_of_images(tmp_path, checkpoint):
    photo = cv2.imread(PHOTO)
    folder = tmp_path / 'images'
    folder.mkdir()
    cv2.imwrite(str(folder / 'a.jpg'), cv2.resize(photo, (160, 192)))
    cv2.imwrite(str(folder / 'b.png'), cv2.resize(photo, (200, 120))[:, ::-1])
    (folder / 'notes.txt').write_text('not an image')
    out = infer(str(folder), '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'out'), '--score-thr', '0.5')
    assert out.returncode == 0, out.stderr[-3000:]
    for name, (height, width) in (('a', (192, 160)), ('b', (120, 200))):
        record = json.loads((tmp_path / 'out' / f'{name}.json').read_text())
        check_record(record, height, width)
        assert all(s >= 0.5 for s in record['scores'])
    assert (tmp_path / 'out' / 'a.jpg').exists()
    assert (tmp_path / 'out' / 'b.png').exists()
    assert not (tmp_path / 'out' / 'notes.json').exists()


def test_video(tmp_path, checkpoint):
    photo = cv2.resize(cv2.imread(PHOTO), (128, 160))
    video = tmp_path / 'clip.avi'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'),
                             5.0, (128, 160))
    for shift in range(5):
        writer.write(cv2.flip(photo, 1) if shift % 2 else photo)
    writer.release()

    out = infer(str(video), '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'out'), '--score-thr', '0')
    assert out.returncode == 0, out.stderr[-3000:]
    record = json.loads((tmp_path / 'out' / 'clip.json').read_text())
    assert (record['height'], record['width']) == (160, 128)
    assert len(record['frames']) == 5
    for frame in record['frames']:
        check_record(dict(frame, height=160, width=128), 160, 128)
    capture = cv2.VideoCapture(str(tmp_path / 'out' / 'clip.mp4'))
    assert capture.isOpened()
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH),
            capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (128, 160)
    capture.release()


def test_bad_input_names_the_path(tmp_path, checkpoint):
    missing = tmp_path / 'nowhere.jpg'
    out = infer(str(missing), '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'out'))
    assert out.returncode != 0
    assert f'{missing}: no such file or folder' in out.stderr

    text = tmp_path / 'notes.txt'
    text.write_text('hello')
    out = infer(str(text), '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'out'))
    assert out.returncode != 0
    assert f'{text}: neither an image' in out.stderr
    assert not (tmp_path / 'out').exists()


def test_several_inputs_in_one_run(tmp_path, checkpoint):
    folder = tmp_path / 'images'
    folder.mkdir()
    photo = cv2.imread(PHOTO)
    cv2.imwrite(str(folder / 'a.jpg'), cv2.resize(photo, (160, 192)))
    cv2.imwrite(str(folder / 'b.jpg'), cv2.resize(photo, (96, 96)))
    out = infer(PHOTO, str(folder), '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'out'), '--score-thr', '0')
    assert out.returncode == 0, out.stderr[-3000:]
    for name, shape in (('grace_hopper', photo.shape[:2]), ('a', (192, 160)),
                        ('b', (96, 96))):
        record = json.loads((tmp_path / 'out' / f'{name}.json').read_text())
        check_record(record, *shape)
    assert out.stdout.count(' faces -> ') == 3
    assert '3 done, 0 skipped' in out.stdout


def test_inputs_with_the_same_output_name_are_refused(tmp_path, checkpoint):
    photo = cv2.resize(cv2.imread(PHOTO), (96, 96))
    for folder in ('x', 'y'):
        (tmp_path / folder).mkdir()
        cv2.imwrite(str(tmp_path / folder / 'img.jpg'), photo)
    cv2.imwrite(str(tmp_path / 'x' / 'other.png'), photo)
    first, second = tmp_path / 'x' / 'img.jpg', tmp_path / 'y' / 'img.jpg'
    out = infer(str(tmp_path / 'x'), str(second), '--checkpoint', checkpoint,
                '--out-dir', str(tmp_path / 'out'))
    assert out.returncode != 0
    assert f'{first} and {second}: both would write img.json' in out.stderr
    assert not (tmp_path / 'out').exists()  # refused before any output


def test_checkpoint_of_another_config_is_refused(tmp_path, checkpoint):
    # The ResNet-18 sample checkpoint with the ResNet-101 config: mmengine
    # would skip the mismatched weights and detect with random ones.
    out = infer(PHOTO, '--checkpoint', checkpoint, '--config',
                osp.join(CONFIGS, 'face_rfcn_r101_wider.py'), '--out-dir',
                str(tmp_path / 'out'))
    assert out.returncode != 0
    assert f'{checkpoint}: does not fit the model' in out.stderr
    # The half-width R18 stem against R101's: the first weight listed.
    assert ('backbone.conv1.weight: checkpoint (32, 3, 7, 7), '
            'model (64, 3, 7, 7)') in out.stderr
    assert '--allow-partial-checkpoint' in out.stderr
    assert not (tmp_path / 'out' / 'grace_hopper.json').exists()


def test_partial_checkpoint_only_when_allowed(tmp_path, checkpoint):
    state = torch.load(checkpoint, weights_only=True)
    del state['state_dict']['rpn_head.rpn_cls.weight']
    partial = tmp_path / 'partial.pth'
    torch.save(state, partial)
    photo = cv2.resize(cv2.imread(PHOTO), (96, 96))
    image = tmp_path / 'img.jpg'
    cv2.imwrite(str(image), photo)

    out = infer(str(image), '--checkpoint', str(partial), '--out-dir',
                str(tmp_path / 'out'))
    assert out.returncode != 0
    assert 'rpn_head.rpn_cls.weight: missing (model (' in out.stderr
    assert '1 of ' in out.stderr
    assert not (tmp_path / 'out' / 'img.json').exists()

    out = infer(str(image), '--checkpoint', str(partial), '--out-dir',
                str(tmp_path / 'out'), '--allow-partial-checkpoint')
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / 'out' / 'img.json').exists()


def test_unreadable_images_are_skipped_and_the_rest_done(tmp_path, checkpoint):
    photo = cv2.resize(cv2.imread(PHOTO), (96, 112))
    folder = tmp_path / 'images'
    folder.mkdir()
    cv2.imwrite(str(folder / 'a.jpg'), photo)
    (folder / 'b.jpg').write_bytes(b'not a jpeg at all\n' * 8)
    # OpenCV decodes a truncated JPEG silently, with grey rows.
    data = cv2.imencode('.jpg', photo)[1].tobytes()
    (folder / 'c.jpg').write_bytes(data[:len(data) // 2])
    cv2.imwrite(str(folder / 'd.jpg'), photo[:, ::-1])
    out = infer(str(folder), '--checkpoint', checkpoint, '--out-dir',
                str(tmp_path / 'out'), '--score-thr', '0')
    assert out.returncode == 1, out.stderr[-3000:]
    for name in ('a', 'd'):
        record = json.loads((tmp_path / 'out' / f'{name}.json').read_text())
        check_record(record, 112, 96)
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'a.jpg', 'a.json', 'd.jpg', 'd.json']
    bad, truncated = folder / 'b.jpg', folder / 'c.jpg'
    assert f'{bad}: skipped: cannot be read as an image' in out.stderr
    assert (f'{truncated}: skipped: damaged image file: image file is '
            'truncated') in out.stderr
    assert (f'infer: error: 2 done, 2 skipped: {bad}, {truncated}'
            in out.stderr)


def test_video_without_frames_leaves_no_output(tmp_path, checkpoint):
    empty = tmp_path / 'empty.avi'  # a valid container holding no frame
    writer = cv2.VideoWriter(str(empty), cv2.VideoWriter_fourcc(*'MJPG'),
                             5.0, (64, 64))
    writer.release()
    assert empty.stat().st_size > 0
    zero = tmp_path / 'zero.mp4'  # not even a container
    zero.write_bytes(b'')
    out = infer(str(empty), str(zero), PHOTO, '--checkpoint', checkpoint,
                '--out-dir', str(tmp_path / 'out'))
    assert out.returncode == 1, out.stderr[-3000:]
    assert f'{empty}: skipped: holds no frame that can be read' in out.stderr
    assert f'{zero}: skipped: cannot be opened as a video' in out.stderr
    assert '1 done, 2 skipped' in out.stderr
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'grace_hopper.jpg', 'grace_hopper.json']


def mixed_folder(root):
    """Five pictures, three resized shapes: two pairs share one."""
    import numpy as np
    import skimage.data
    folder = root / 'mixed'
    folder.mkdir()
    photo = cv2.imread(PHOTO)
    astronaut = np.ascontiguousarray(skimage.data.astronaut()[..., ::-1])
    cv2.imwrite(str(folder / 'a.png'), cv2.resize(photo, (200, 240)))
    cv2.imwrite(str(folder / 'b.png'), astronaut)
    cv2.imwrite(str(folder / 'c.png'), cv2.resize(photo, (200, 240))[:, ::-1])
    cv2.imwrite(str(folder / 'd.png'), cv2.resize(astronaut, (300, 300)))
    cv2.imwrite(str(folder / 'e.png'), cv2.resize(photo, (320, 200)))
    return folder


def records(out_dir):
    return {p.stem: json.loads(p.read_text())
            for p in sorted(out_dir.glob('*.json'))}


def test_batches_give_what_one_at_a_time_gives(tmp_path, checkpoint):
    """Batch size 3 over pictures of three sizes: each size runs as its
    own batch, so the JSON is byte-for-byte that of one at a time."""
    folder = mixed_folder(tmp_path)
    for batch in ('1', '3'):
        out = infer(str(folder), '--checkpoint', checkpoint, '--out-dir',
                    str(tmp_path / batch), '--score-thr', '0',
                    '--batch-size', batch)
        assert out.returncode == 0, out.stderr[-3000:]
        assert '5 done, 0 skipped' in out.stdout
    one, three = records(tmp_path / '1'), records(tmp_path / '3')
    assert sorted(one) == ['a', 'b', 'c', 'd', 'e']
    assert one == three
    assert sum(len(r['scores']) for r in one.values()) > 0


def assert_records_match(actual, expected):
    """Every box at IoU > 0.99 with a score within 1e-4 (plus the JSON's
    rounding to 4 decimals)."""
    assert sorted(actual) == sorted(expected)
    for name, record in expected.items():
        assert_same_detections(actual[name], record, score_tol=2e-4)


def test_onnxruntime_backend_as_pytorch(tmp_path, spread_export):
    checkpoint, onnx_file, config = spread_export
    folder = mixed_folder(tmp_path)
    out = infer(str(folder), '--config', config, '--checkpoint', checkpoint,
                '--out-dir', str(tmp_path / 'pytorch'), '--score-thr', '0.05')
    assert out.returncode == 0, out.stderr[-3000:]
    out = infer(str(folder), '--config', config, '--backend', 'onnxruntime',
                '--onnx', onnx_file, '--out-dir', str(tmp_path / 'ort'),
                '--score-thr', '0.05', '--batch-size', '2')
    assert out.returncode == 0, out.stderr[-3000:]
    expected = records(tmp_path / 'pytorch')
    assert sum(len(r['scores']) for r in expected.values()) >= 5 * 20
    assert_records_match(records(tmp_path / 'ort'), expected)
    for name in 'abcde':
        assert (tmp_path / 'ort' / f'{name}.png').exists()


def test_onnx_of_another_config_is_refused(tmp_path, spread_export):
    config = tmp_path / 'strict.py'
    config.write_text(
        f'_base_ = [{osp.join(CONFIGS, "face_rfcn_r18_wider-sample.py")!r}]\n'
        'model = dict(test_cfg=dict(rcnn=dict(score_thr=0.5)))\n')
    out = infer(PHOTO, '--config', str(config), '--backend', 'onnxruntime',
                '--onnx', spread_export[1], '--out-dir', str(tmp_path / 'o'))
    assert out.returncode != 0
    assert f'{spread_export[1]} does not match {config}' in out.stderr
    assert 'test_cfg.rcnn.score_thr' in out.stderr
    assert not (tmp_path / 'o' / 'grace_hopper.json').exists()

    # The same setting changed on the command line instead.
    out = infer(PHOTO, '--backend', 'onnxruntime', '--onnx', spread_export[1],
                '--out-dir', str(tmp_path / 'o'), '--cfg-options',
                'model.test_cfg.rcnn.score_thr=0.5')
    assert out.returncode != 0
    assert 'test_cfg.rcnn.score_thr' in out.stderr, out.stderr[-2000:]
    assert not (tmp_path / 'o' / 'grace_hopper.json').exists()


def test_missing_onnxruntime_names_what_to_install(tmp_path, spread_export):
    env = env_without('onnxruntime', tmp_path)
    out = subprocess.run(
        [sys.executable, INFER, PHOTO, '--backend', 'onnxruntime', '--onnx',
         spread_export[1], '--out-dir', str(tmp_path / 'o')],
        capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode != 0
    assert 'onnxruntime is not installed' in out.stderr
    assert 'pip install -r requirements/deploy.txt' in out.stderr


@pytest.mark.parametrize('extra,message', [
    # the combinations are checked in tests/test_utils/test_runner_cli.py
    (('--backend', 'onnxruntime', '--onnx', 'm.onnx', '--checkpoint', 'c'),
     'the weights come from --onnx'),
    (('--batch-size', '0'), '--batch-size 0: must be >= 1'),
])
def test_backend_options_are_checked(tmp_path, extra, message):
    out = infer(PHOTO, '--out-dir', str(tmp_path / 'o'), *extra)
    assert out.returncode == 2
    assert message in out.stderr, out.stderr[-2000:]
