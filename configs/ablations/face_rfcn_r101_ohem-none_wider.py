# No hard example mining: random 128 RoIs, 1:3 positives to negatives.
_base_ = '../face_rfcn_r101_wider.py'
model = dict(train_cfg=dict(rcnn=dict(sampler=dict(type='RandomSampler'))))
