_base_ = 'mmdet::_base_/default_runtime.py'

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=5000, max_keep_ckpts=3,
        save_best='wider_face/hard', rule='greater'))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
# Checkpoints that torch.load(weights_only=True) accepts (torch >= 2.6).
custom_hooks = [dict(type='WeightsOnlyCheckpointHook')]
