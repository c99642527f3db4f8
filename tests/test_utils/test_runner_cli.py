"""load_runner_cfg: the PR curves follow --work-dir (issue 14, item 8);
load_config: --cfg-options;
check_inference_args: the backend and speed options of test.py/infer.py."""
import argparse
import os.path as osp

import pytest

from mmfacerfcn.testing.configs import CONFIGS
from mmfacerfcn.utils.runner_cli import load_runner_cfg

CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')


def args(**kw) -> argparse.Namespace:
    defaults = dict(config=CONFIG, launcher='none', cfg_options=None,
                    work_dir=None, local_rank=0)
    return argparse.Namespace(**{**defaults, **kw})


def test_pr_curve_file_follows_work_dir(tmp_path):
    cfg = load_runner_cfg(args(work_dir=str(tmp_path / 'run')))
    assert cfg.val_evaluator.pr_curve_file == str(tmp_path / 'run' /
                                                  'pr_curves.png')
    assert cfg.test_evaluator.pr_curve_file == cfg.val_evaluator.pr_curve_file
    default = load_runner_cfg(args())
    assert default.test_evaluator.pr_curve_file == osp.join(
        './work_dirs', 'face_rfcn_r18_wider-sample', 'pr_curves.png')


def test_fddb_roc_file_follows_work_dir(tmp_path):
    cfg = load_runner_cfg(args(
        config=osp.join(CONFIGS, 'face_rfcn_r18_fddb-sample.py'),
        work_dir=str(tmp_path / 'run')))
    assert cfg.test_evaluator.type == 'FDDBMetric'
    assert cfg.test_evaluator.roc_curve_file == str(tmp_path / 'run' /
                                                    'fddb_roc.png')
    # validation stays on WIDER FACE
    assert cfg.val_evaluator.type == 'WiderFaceMetric'


def test_absolute_pr_curve_file_is_kept(tmp_path):
    png = str(tmp_path / 'elsewhere.png')
    cfg = load_runner_cfg(args(
        work_dir=str(tmp_path / 'run'),
        cfg_options={'val_evaluator.pr_curve_file': png}))
    assert cfg.val_evaluator.pr_curve_file == png


def inference_args(*argv):
    from mmfacerfcn.utils.runner_cli import add_inference_args
    parser = argparse.ArgumentParser()
    add_inference_args(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize('argv,message', [
    ((), None),
    (('--fuse-conv-bn', '--channels-last', '--threads', '2'), None),
    (('--backend', 'onnxruntime', '--onnx', 'm.onnx', '--threads', '1'),
     None),
    (('--backend', 'onnxruntime'), '--backend onnxruntime needs --onnx'),
    (('--onnx', 'm.onnx'), '--onnx needs --backend onnxruntime'),
    (('--backend', 'onnxruntime', '--onnx', 'm.onnx', '--fuse-conv-bn',
      '--channels-last'),
     '--fuse-conv-bn and --channels-last: PyTorch options'),
    (('--threads', '0'), '--threads 0: must be >= 1'),
    (('--tta', '--fuse-conv-bn'), None),
    (('--backend', 'onnxruntime', '--onnx', 'm.onnx', '--tta'),
     '--tta runs the PyTorch model only'),
])
def test_inference_options(argv, message):
    from mmfacerfcn.utils.runner_cli import check_inference_args
    error = check_inference_args(inference_args(*argv))
    if message is None:
        assert error is None
    else:
        assert error.startswith(message), error


def test_cfg_options_are_parsed_and_merged():
    """infer.py and export_onnx.py take --cfg-options as test.py does:
    typed values under dotted keys, the config file itself unchanged."""
    from mmfacerfcn.utils.runner_cli import add_cfg_options_arg, load_config
    parser = argparse.ArgumentParser()
    add_cfg_options_arg(parser)
    options = parser.parse_args([
        '--cfg-options', 'model.test_cfg.rcnn.max_per_img=3',
        'model.verifier.cascade_thr=-1.5']).cfg_options
    cfg = load_config(CONFIG, options)
    assert cfg.model.test_cfg.rcnn.max_per_img == 3
    assert cfg.model.verifier.cascade_thr == -1.5
    plain = load_config(CONFIG)
    assert plain.model.verifier.cascade_thr == -2.0
    assert plain.model.test_cfg.rcnn.max_per_img != 3
