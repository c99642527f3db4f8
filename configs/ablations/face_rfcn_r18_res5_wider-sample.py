# The sample config with the full recipe's layout: dilated res5 (stride 1,
# dilation 2) run once per image in the RoI head, the PS score maps on its
# output, as in _base_/models/face_rfcn_r18.py, which the sample drops.
# TrunkPretrainHook pretrains res5 with the backbone (its default: the whole
# trunk). res5 about doubles the cost of a pretraining step and of an
# iteration, so this trains longer than the main job's 10 minutes.
_base_ = '../face_rfcn_r18_wider-sample.py'

norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    roi_head=dict(
        shared_head=dict(
            _delete_=True,
            type='ResLayer',
            depth=18,
            stage=3,
            stride=1,
            dilation=2,
            style='pytorch',
            norm_cfg=norm_cfg,
            norm_eval=False,
            init_cfg=None),
        bbox_head=dict(in_channels=512)))

max_iters = 400
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=30),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[int(0.8 * max_iters)], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
val_evaluator = dict(
    pr_curve_file='pr_curves.png')  # in the work dir
test_evaluator = val_evaluator
