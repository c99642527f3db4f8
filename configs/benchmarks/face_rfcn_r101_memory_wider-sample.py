# Training speed and memory of the full Face R-FCN R101 at WIDER resolution
# (the R101 train pipeline: short side 1024 or 1200, long side <= 1600), batch
# 2, for a few epochs: the figures of issue 7 that need real training.
#
#   bash tools/run_main_job.sh     # once: generates data/wider_sample
#   python tools/train.py configs/benchmarks/face_rfcn_r101_memory_wider-sample.py --amp
#
# It trains on the embedded sample (60 images: 30 iterations per epoch), so it
# runs anywhere, with random weights (no ImageNet download); speed and memory
# do not depend on either. Each log line gives the time per iteration and,
# on CUDA, mmengine's peak memory of the interval; at the end of every epoch
# MemoryUsageHook records host RSS and CUDA reserved memory and, after the
# last, logs them with the growth ("flat across epochs"). No validation, no
# checkpoint: nothing to compare.
_base_ = '../face_rfcn_r101_wider.py'

data_root = 'data/wider_sample/'
model = dict(
    backbone=dict(init_cfg=None),
    roi_head=dict(shared_head=dict(init_cfg=None)))
train_dataloader = dict(
    batch_size=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(data_root=data_root))
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=4)
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None
default_hooks = dict(checkpoint=None, logger=dict(interval=10))
randomness = dict(seed=0)
