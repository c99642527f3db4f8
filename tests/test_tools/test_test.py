"""`tools/test.py` refuses a checkpoint that does not fit the config.

mmengine loads weights with ``strict=False``: the ResNet-18 sample checkpoint
with the ResNet-101 config would be evaluated with a mostly random model.
"""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

from mmfacerfcn.testing.cli import load_tool
from mmfacerfcn.testing.configs import CONFIGS, REPO, write_random_checkpoint
from mmfacerfcn.testing.detections import assert_same_detections
from mmfacerfcn.testing.sample_data import make_small_wider, sample_cfg_options

TEST = osp.join(REPO, 'tools', 'test.py')
SAMPLE_CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
R101_CONFIG = osp.join(CONFIGS, 'face_rfcn_r101_wider.py')


@pytest.fixture(scope='module')
def sample(tmp_path_factory):
    """Small sample data, the test-time options and an R18 checkpoint."""
    tmp = tmp_path_factory.mktemp('sample')
    root = make_small_wider(str(tmp / 'wider'), num_train=1, num_val=2)
    # The training-hook options belong to the sample config only.
    options = [o for o in sample_cfg_options(root, str(tmp))
               if not o.startswith('custom_hooks')]
    return options, write_random_checkpoint(tmp / 'r18.pth')


def run_test(config, checkpoint, work_dir, options, *extra):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run(
        [sys.executable, TEST, config, checkpoint, '--work-dir',
         str(work_dir), *extra, '--cfg-options', *options],
        cwd=work_dir.parent, env=env, capture_output=True, text=True,
        timeout=300)


def test_checkpoint_of_another_config_is_refused(tmp_path, sample):
    options, checkpoint = sample
    out = run_test(R101_CONFIG, checkpoint, tmp_path / 'work', options)
    assert out.returncode != 0
    assert f'{checkpoint}: does not fit the model' in out.stderr
    # The half-width R18 stem against R101's: the first weight listed.
    assert ('backbone.conv1.weight: checkpoint (32, 3, 7, 7), '
            'model (64, 3, 7, 7)') in out.stderr
    assert '--allow-partial-checkpoint' in out.stderr
    assert '(test) [' not in out.stdout + out.stderr  # nothing was run


def test_matching_checkpoint_is_tested(tmp_path, sample):
    options, checkpoint = sample
    out = run_test(SAMPLE_CONFIG, checkpoint, tmp_path / 'work', options)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    # evaluated to the end: the two val images, then the AP line
    assert re.search(r'\(test\) +\[2/2\] +wider_face/easy',
                     out.stdout + out.stderr)


def dumped(path):
    import pickle
    with open(path, 'rb') as f:
        return pickle.load(f)


def ap_line(out):
    found = re.search(r'wider_face/easy: (\S+) +wider_face/medium: (\S+) +'
                      r'wider_face/hard: (\S+)', out.stdout + out.stderr)
    assert found, (out.stdout + out.stderr)[-3000:]
    return found.groups()


def test_onnxruntime_and_fast_pytorch_as_pytorch(tmp_path, sample,
                                                 spread_export):
    """The same dumped detections and AP from the checkpoint in eager
    PyTorch, with --fuse-conv-bn --channels-last, and from its ONNX export
    in onnxruntime (two images per batch: padded as mmdet pads)."""
    options, _ = sample
    checkpoint, onnx_file, _ = spread_export
    options = options + ['test_dataloader.batch_size=2']
    runs = {
        'eager': (checkpoint, ),
        'fast': (checkpoint, '--fuse-conv-bn', '--channels-last'),
        'ort': ('--backend', 'onnxruntime', '--onnx', onnx_file),
    }
    results, aps = {}, {}
    for name, extra in runs.items():
        env = dict(os.environ, OMP_NUM_THREADS='1')
        out = subprocess.run(
            [sys.executable, TEST, spread_export.config, *extra, '--work-dir',
             str(tmp_path / name), '--out', str(tmp_path / f'{name}.pkl'),
             '--cfg-options', *options],
            cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=300)
        assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
        results[name] = dumped(tmp_path / f'{name}.pkl')
        aps[name] = ap_line(out)
    assert aps['fast'] == aps['eager'] and aps['ort'] == aps['eager']
    total = 0
    for name in ('fast', 'ort'):
        for actual, expected in zip(results[name], results['eager']):
            assert_same_detections(actual['pred_instances'],
                                   expected['pred_instances'])
            total += len(expected['pred_instances']['scores'])
    assert total >= 2 * 2 * 20


def test_onnxruntime_session_is_opened_once(tmp_path, monkeypatch, sample,
                                            spread_export):
    """The Runner tests the detector whose session checked the file (the
    file used to be opened twice: once to check it, once by the Runner),
    opened on the device the Runner takes from ``get_device()``."""
    import onnxruntime

    from mmfacerfcn.deployment import ort_detector
    options, _ = sample
    onnx_file = spread_export[1]
    tool = load_tool(TEST, 'mmfacerfcn_tools_test')
    opened, devices = [], []
    session, providers = onnxruntime.InferenceSession, ort_detector.ort_providers

    def counting_session(path, *args, **kwargs):
        opened.append(path)
        return session(path, *args, **kwargs)

    def recording_providers(device):
        devices.append(device)
        return providers(device)

    monkeypatch.setattr(onnxruntime, 'InferenceSession', counting_session)
    monkeypatch.setattr(ort_detector, 'ort_providers', recording_providers)
    # What the Runner's get_device() gives on a GPU machine; without
    # onnxruntime's CUDA provider the session still runs on the CPU.
    monkeypatch.setattr(tool, 'get_device', lambda: 'cuda')
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, 'argv', [
        TEST, spread_export.config, '--backend', 'onnxruntime', '--onnx',
        onnx_file,
        '--work-dir', str(tmp_path / 'work'), '--out',
        str(tmp_path / 'ort.pkl'), '--cfg-options', *options])
    tool.main()
    assert opened == [onnx_file]
    assert devices == ['cuda']
    assert len(dumped(tmp_path / 'ort.pkl')) == 2  # both val images tested


def test_onnxruntime_model_config_is_the_one_built(monkeypatch, spread_export):
    """``cfg.model``, which the Runner logs, is the very config the model was
    built from, made once and from the config as exported."""
    import argparse

    from mmengine.config import Config

    import mmfacerfcn.deployment as deployment
    tool = load_tool(TEST, 'mmfacerfcn_tools_test')
    made = []

    def recording_config(*args, **kwargs):
        made.append(ort_model_config(*args, **kwargs))
        return made[-1]

    ort_model_config = deployment.ort_model_config
    monkeypatch.setattr(deployment, 'ort_model_config', recording_config)
    monkeypatch.setattr(tool, 'get_device', lambda: 'cpu')
    cfg = Config.fromfile(spread_export.config)
    args = argparse.Namespace(onnx=spread_export[1],
                              config=spread_export.config, threads=2)
    model = tool.use_onnxruntime(cfg, args)
    assert len(made) == 1 and cfg.model == made[0]
    assert cfg.model == ort_model_config(
        Config.fromfile(spread_export.config), spread_export[1],
        spread_export.config, device='cpu', num_threads=2)
    assert model.onnx_file == spread_export[1] and model.cfg is cfg


@pytest.mark.parametrize('extra,message', [
    # the combinations are checked in tests/test_utils/test_runner_cli.py
    ((), 'CHECKPOINT is required'),
    (('--backend', 'onnxruntime', '--onnx', 'm.onnx', '--tta'),
     '--tta runs the PyTorch model only'),
    (('--backend', 'onnxruntime', '--onnx', 'missing.onnx'),
     'missing.onnx: no such file'),
])
def test_backend_options_are_checked(tmp_path, extra, message):
    out = subprocess.run([sys.executable, TEST, SAMPLE_CONFIG, *extra],
                         cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode != 0
    assert message in out.stderr, out.stderr[-2000:]


def test_fddb_config(tmp_path, sample):
    """configs/face_rfcn_r18_fddb-sample.py through tools/test.py: the FDDB
    figures, the detection files and the ROC drawn in the work dir."""
    import mmengine

    from mmfacerfcn.data_formats.fddb_coco import convert_fddb
    from mmfacerfcn.data_formats.fddb_sample import make_fddb_sample
    wider = make_small_wider(str(tmp_path / 'wider'), num_train=1, num_val=3)
    fddb = tmp_path / 'fddb'
    make_fddb_sample(wider, fddb, num_folds=2, min_face=8)
    ann = fddb / 'annotations' / 'fddb.json'
    mmengine.dump(convert_fddb(fddb), str(ann))
    _, checkpoint = sample
    options = [f'test_dataloader.dataset.data_root={fddb}/',
               'test_dataloader.dataset.ann_file=annotations/fddb.json',
               'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False',
               f'test_evaluator.ann_file={ann}',
               f'test_evaluator.outfile_dir={tmp_path / "dets"}']
    out = run_test(osp.join(CONFIGS, 'face_rfcn_r18_fddb-sample.py'),
                   checkpoint, tmp_path / 'work', options)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    text = out.stdout + out.stderr
    for key in ('disc_tpr@500', 'disc_tpr@2000', 'cont_tpr@1000'):
        assert re.search(rf'fddb/{key}: [01]\.\d{{4}}', text), key
    assert (tmp_path / 'work' / 'fddb_roc.png').is_file()
    assert sorted(p.name for p in (tmp_path / 'dets').iterdir()) == [
        'fold-01-out.txt', 'fold-02-out.txt']


def test_build_runner_uses_the_configs_runner_type(tmp_path):
    """``runner_type`` (a registered name) is the runner built, with or
    without a model built beforehand; an unknown name is refused."""
    import torch
    from mmengine.registry import MODELS, RUNNERS
    from mmengine.runner import Runner

    from mmfacerfcn.testing.configs import tiny_runner_cfg
    tool = load_tool(TEST, 'mmfacerfcn_tools_test')

    class RecordingRunner(Runner):
        pass

    name = f'RecordingRunner{os.getpid()}'
    RUNNERS.register_module(name=name, module=RecordingRunner)
    cfg = tiny_runner_cfg(tmp_path, max_iters=1)
    cfg.runner_type = name
    assert isinstance(tool.build_runner(cfg.copy()), RecordingRunner)
    torch.manual_seed(0)
    built = MODELS.build(cfg.model)
    runner = tool.build_runner(cfg.copy(), built)
    assert isinstance(runner, RecordingRunner) and runner.model is built
    cfg.runner_type = 'NoSuchRunner'
    with pytest.raises(KeyError, match='NoSuchRunner'):
        tool.build_runner(cfg)
