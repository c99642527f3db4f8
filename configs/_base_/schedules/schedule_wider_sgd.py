# SGD as in the papers (momentum 0.9, weight decay 5e-4); the lr (0.004, see
# auto_scale_lr below) drops tenfold at 30k of 40k iterations.
# Iteration-based: WIDER train holds 12,880 images; 2 images per GPU x 4 GPUs
# gives ~1,600 iterations per epoch, so 40k iterations are ~25 epochs.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=40000,
        by_epoch=False,
        milestones=[30000],
        gamma=0.1)
]

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.004, momentum=0.9, weight_decay=0.0005),
    clip_grad=dict(max_norm=35, norm_type=2))

# lr 0.004 is for 8 images per iteration (4 GPUs x 2); --auto-scale-lr
# rescales it to the batch actually used.
auto_scale_lr = dict(enable=False, base_batch_size=8)
