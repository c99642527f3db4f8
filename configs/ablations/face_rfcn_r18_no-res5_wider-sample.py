# The sample config without res5: the PS score maps come from conv4, as the
# sample did before its trunk was halved in width. Without res5 an iteration
# and a pretraining step cost less, so this trains longer (2000 pretraining
# steps, 1120 iterations) in about the same time.
_base_ = '../face_rfcn_r18_wider-sample.py'

model = dict(roi_head=dict(shared_head=None, bbox_head=dict(in_channels=128)))

max_iters = 1120
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=30),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[int(0.8 * max_iters)], gamma=0.1)
]
pretrain_hook = dict(_base_.pretrain_hook, steps=2000)
ohem_switch_hook = dict(_base_.ohem_switch_hook, switch_iter=max_iters // 2)
custom_hooks = _base_.run_hooks + [pretrain_hook, ohem_switch_hook,
                                   _base_.verifier_hook]
default_hooks = dict(checkpoint=dict(interval=max_iters))
