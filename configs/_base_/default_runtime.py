_base_ = 'mmdet::_base_/default_runtime.py'

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=5000, max_keep_ckpts=3,
        save_best='wider_face/hard', rule='greater'))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
custom_hooks = [
    # Checkpoints that torch.load(weights_only=True) accepts (torch >= 2.6).
    dict(type='WeightsOnlyCheckpointHook'),
    # Host memory (rss_mib) in the log lines, and a warning if it grows.
    dict(type='MemoryUsageHook'),
]
# Scalars (losses, lr, AP) and drawn images under <work_dir>/<time>/vis_data:
# as JSON and for `tensorboard --logdir <work_dir>`.
vis_backends = [
    dict(type='LocalVisBackend'),
    dict(type='TensorboardVisBackend'),
]
visualizer = dict(
    type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
