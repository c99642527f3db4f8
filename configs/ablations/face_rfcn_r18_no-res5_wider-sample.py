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
custom_hooks = [
    dict(type='WeightsOnlyCheckpointHook'),
    dict(type='MemoryUsageHook'),
    dict(type='TrunkPretrainHook', steps=2000, hard_negatives=64),
    dict(type='RoISamplerSwitchHook', switch_iter=max_iters // 2,
         sampler=dict(type='OHEMSampler', num=128, pos_fraction=0.25,
                      neg_pos_ub=3, add_gt_as_proposals=True)),
    dict(type='CropVerifierTrainHook'),
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
