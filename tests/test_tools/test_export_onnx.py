"""`tools/deployment/export_onnx.py`: the sample model exported and checked;
a config it cannot export and a missing ONNX install are clear errors.

The numbers of the exported graph against mmdet's are checked in
tests/test_deployment/test_onnx_model.py; here the command line's path.
"""
import os.path as osp
import subprocess
import sys

import pytest

from mmfacerfcn.testing.cli import env_without
from mmfacerfcn.testing.configs import CONFIGS, REPO, write_random_checkpoint

pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')
pytest.importorskip('onnxscript')

EXPORT = osp.join(REPO, 'tools', 'deployment', 'export_onnx.py')
CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return write_random_checkpoint(
        tmp_path_factory.mktemp('ckpt') / 'random.pth')


def export(*args, env=None):
    return subprocess.run([sys.executable, EXPORT, *args], capture_output=True,
                          text=True, timeout=600, env=env)


def test_exports_checked_file(tmp_path, checkpoint):
    """A score threshold that nothing reaches, set with --cfg-options: the
    graph, its smoke run and ORTFaceRFCN handle zero detections; the file
    records the overridden threshold."""
    import onnx
    import torch

    from mmfacerfcn.deployment import ORTFaceRFCN, config_signature
    from mmfacerfcn.utils.runner_cli import load_config
    out = tmp_path / 'onnx' / 'face_rfcn.onnx'
    result = export(CONFIG, checkpoint, '--out', str(out), '--dynamic-batch',
                    '--cfg-options', 'model.test_cfg.rcnn.score_thr=1.0')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'onnx.checker passed, standard operators only' in result.stdout
    assert 'batch dynamic' in result.stdout
    # one file, no external data, no temporary left
    assert sorted(p.name for p in out.parent.iterdir()) == ['face_rfcn.onnx']
    model = onnx.load(str(out))
    assert [o.name for o in model.graph.output] == ['dets', 'labels',
                                                    'batch_idx']

    cfg = load_config(CONFIG, {'model.test_cfg.rcnn.score_thr': 1.0})
    ort = ORTFaceRFCN(str(out), signature=config_signature(cfg))
    assert ort.exported_signature['test_cfg']['rcnn']['score_thr'] == 1.0
    from mmdet.structures import DetDataSample
    samples = [DetDataSample(metainfo=dict(img_shape=(64, 48),
                                           scale_factor=(2., 2.)))
               for _ in range(2)]
    images = torch.randint(0, 256, (2, 3, 64, 48)).float()
    for result in ort.predict(images, samples):
        pred = result.pred_instances
        assert pred.bboxes.shape == (0, 4) and pred.scores.shape == (0, )
        assert pred.labels.dtype == torch.int64


def test_non_exportable_config(tmp_path, checkpoint):
    config = tmp_path / 'ps_pool.py'
    config.write_text(
        f'_base_ = [{CONFIG!r}]\n'
        'model = dict(roi_head=dict(bbox_roi_extractor=dict(roi_layer=dict('
        "_delete_=True, type='PSRoIPool', output_size=7))))\n")
    out = tmp_path / 'ps_pool.onnx'
    result = export(str(config), checkpoint, '--out', str(out))
    assert result.returncode != 0
    assert 'cannot be exported' in result.stderr
    assert 'PSRoIPool' in result.stderr
    assert not out.exists()


def test_missing_onnx_names_requirements(tmp_path, checkpoint):
    env = env_without('onnx', tmp_path)
    result = export(CONFIG, checkpoint, '--out', str(tmp_path / 'm.onnx'),
                    env=env)
    assert result.returncode != 0
    assert 'pip install -r requirements/deploy.txt' in result.stderr
    assert 'onnx' in result.stderr
