"""`tools/dist_train.sh` trains with 2 processes (torchrun, gloo, on CPU).

The embedded sample config runs on sample data made small in a temporary
folder; DEBUG logging makes every rank write its own log file.
"""
import os
import os.path as osp
import socket
import subprocess
import sys

import torch

from mmfacerfcn.testing.configs import CONFIGS, REPO
from mmfacerfcn.testing.sample_data import make_small_wider, sample_cfg_options

CONFIG = osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_dist_train_two_processes_on_cpu(tmp_path):
    work = tmp_path / 'work'
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()),
               OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    out = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), CONFIG, '2',
         '--work-dir', str(work), '--cfg-options',
         'env_cfg.dist_cfg.backend=gloo', 'log_level=DEBUG',
         'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
         'default_hooks.checkpoint.interval=2',
         'default_hooks.logger.interval=1',
         *sample_cfg_options(
             make_small_wider(str(tmp_path / 'wider')), str(tmp_path))],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]

    logs = {rank: list(work.glob(f'*/*_rank{rank}.log')) for rank in (0, 1)}
    assert all(len(files) == 1 for files in logs.values()), logs
    text = {rank: files[0].read_text() for rank, files in logs.items()}
    assert 'Distributed launcher: pytorch' in text[0]
    assert 'GPU number: 2' in text[0]  # mmengine's name for the world size

    def last_iter(log):
        line = [ln for ln in log.splitlines() if 'Iter(train) [2/2]' in ln]
        assert line, log[-2000:]
        fields = line[-1].split()
        return {k.rstrip(':'): float(v) for k, v in zip(fields, fields[1:])
                if k in ('loss:', 'grad_norm:')}

    rank0, rank1 = last_iter(text[0]), last_iter(text[1])
    # each rank saw its own images, and DDP averaged the gradients
    assert rank0['loss'] != rank1['loss']
    assert rank0['grad_norm'] == rank1['grad_norm']
    # both ranks evaluated their half of the 2 val images
    assert 'Iter(val) [1/1]' in text[0] and 'Iter(val) [1/1]' in text[1]
    assert 'wider_face/hard' in text[0]

    # one checkpoint, from rank 0, loadable with torch's safe loader
    assert sorted(p.name for p in work.glob('*.pth')) == ['iter_2.pth']
    state = torch.load(work / 'iter_2.pth', map_location='cpu',
                       weights_only=True)
    assert state['meta']['iter'] == 2
