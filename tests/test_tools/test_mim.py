"""`mim train/test mmfacerfcn CONFIG` find our configs and tools by name.

openmim looks configs up under ``<package>/.mim/configs`` and runs
``<package>/.mim/tools/{train,test}.py``; this runs both on the embedded
sample config, with the sample data made small in a temporary folder.
"""
import json
import os
import os.path as osp
import subprocess
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from mmfacerfcn.testing.sample_data import make_small_wider, sample_cfg_options

MIM = osp.join(osp.dirname(sys.executable), 'mim')
CONFIG = 'face_rfcn_r18_wider-sample.py'  # a name, not a path


def run_mim(args, cwd):
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    return subprocess.run([MIM, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_mim_train_then_test_by_config_name(tmp_path):
    root = make_small_wider(str(tmp_path / 'wider'), num_train=4, num_val=3)
    data = sample_cfg_options(root, str(tmp_path))
    work = tmp_path / 'work'
    # cwd is elsewhere: nothing is found through the repository's folders.
    out = run_mim(['train', 'mmfacerfcn', CONFIG, '--work-dir', str(work),
                   '--cfg-options', 'train_cfg.max_iters=2',
                   'train_cfg.val_interval=2',
                   'default_hooks.checkpoint.interval=2',
                   'default_hooks.logger.interval=1', *data], cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    ckpt = work / 'iter_2.pth'
    assert ckpt.exists()
    # The default runtime's backends: TensorBoard events with the losses, and
    # the host memory logged by MemoryUsageHook.
    events = list(work.rglob('vis_data/events.out.tfevents.*'))
    assert len(events) == 1, events
    acc = EventAccumulator(str(events[0].parent))
    acc.Reload()
    assert {'loss', 'loss_cls', 'lr', 'rss_mib'} <= set(acc.Tags()['scalars'])
    assert [e.step for e in acc.Scalars('loss')] == [1, 2]
    assert 'wider_face/hard' in acc.Tags()['scalars']

    out = run_mim(['test', 'mmfacerfcn', CONFIG, '--checkpoint', str(ckpt),
                   '--work-dir', str(tmp_path / 'test'),
                   '--cfg-options', *data], cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    log = out.stdout + out.stderr
    for subset in ('easy', 'medium', 'hard'):
        assert f'wider_face/{subset}' in log
    # the run's scalars land in the work dir as mmengine writes them
    scalars = list((tmp_path / 'test').rglob('*.json'))
    assert scalars, 'no evaluation results written'
    assert any('wider_face/hard' in json.loads(line)
               for p in scalars for line in p.read_text().splitlines()
               if line.startswith('{'))
    assert (tmp_path / 'pr.png').exists()

    # multi-scale + flip testing through the same tools
    out = run_mim(['test', 'mmfacerfcn', CONFIG, '--checkpoint', str(ckpt),
                   '--work-dir', str(tmp_path / 'tta'), '--tta',
                   '--cfg-options', *data], cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert 'wider_face/hard' in out.stdout + out.stderr
