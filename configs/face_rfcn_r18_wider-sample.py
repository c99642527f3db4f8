# The embedded default: a small Face R-FCN (ResNet-18 from scratch, at half
# its usual width) trained on CPU in minutes on the sample data that ships
# with the project, in the official WIDER FACE layout:
#   python tools/dataset_converters/make_wider_sample.py data/wider_sample
#   python tools/dataset_converters/wider_face_to_coco.py data/wider_sample \
#       data/wider_sample/annotations/wider_face_{train,val}.json --split {train,val}
# (tools/run_main_job.sh does all of it). Same data path, metric and layout
# as the full config (RPN on conv4, dilated res5 run once per image, PS score
# maps, weighted vote); a smaller trunk, images and schedule.
_base_ = [
    '_base_/models/face_rfcn_r18.py',
    '_base_/datasets/wider_face.py',
    '_base_/default_runtime.py',
]
data_root = 'data/wider_sample/'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomChoiceResize', scales=[(800, 384), (800, 448)],
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(800, 416), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + 'annotations/wider_face_val.json',
    pr_curve_file='pr_curves.png')  # in the work dir
test_evaluator = val_evaluator

tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale=(800, s), keep_ratio=True)
             for s in (320, 416, 512)],
            [dict(type='RandomFlip', prob=1.), dict(type='RandomFlip', prob=0.)],
            [dict(type='LoadAnnotations', with_bbox=True)],
            [dict(type='PackDetInputs',
                  meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                             'scale_factor', 'flip', 'flip_direction'))],
        ])
]

max_iters = 560
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=30),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[int(0.8 * max_iters)], gamma=0.1)
]
# AdamW, not the papers' SGD: from scratch it gets the RoI classifier going
# in fewer iterations. The R101 config, fine-tuning ImageNet weights, keeps
# SGD.
# The trunk (backbone and res5), pretrained by TrunkPretrainHook (below),
# learns at a tenth of the heads' rate, as a trunk fine-tuned from ImageNet
# would: at the full rate, detection training overwrites what the
# pretraining taught it (README).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=35, norm_type=2),
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0.1),
        'roi_head.shared_head': dict(lr_mult=0.1)}))

# From scratch, OHEM's hardest negatives are the proposals that overlap a
# face just under the positive IoU, which the classifier cannot yet tell from
# the faces: RoI accuracy stays at the 1:3 prior. So the RoI head learns from
# random 1:3 samples first, and from Face R-FCN's OHEM (1:3, the hardest
# negatives) from half-way on (RoISamplerSwitchHook, below). Random sampling
# throughout is ablations/face_rfcn_r18_random-sampler_wider-sample.py.
rcnn_sampler = dict(num=128, pos_fraction=0.25, neg_pos_ub=3,
                    add_gt_as_proposals=True)
model = dict(
    # The detector's detections get a second look: a small CNN on their
    # grey crops, trained after the last iteration on the detector's own
    # detections on the training set (CropVerifierTrainHook, below),
    # rescores them before the RoI head's NMS, so that of overlapping boxes
    # the most face-like survives. The score is detector ** 0.1 *
    # verifier ** 0.9: mostly the verifier's calibrated probability, and a
    # box must satisfy both classifiers, as in a cascade (README, stop 42;
    # with weight 1 the detector's score only selects the candidates).
    # Three CNNs, each from its own initialisation, their logits averaged:
    # one CNN trained on a few thousand crops ranks the pictures it never
    # saw by the luck of its initialisation (README, stop 42). Without it:
    # ablations/face_rfcn_r18_no-verifier_wider-sample.py; one CNN:
    # ablations/face_rfcn_r18_verifier-single_wider-sample.py.
    # A cascade: the first CNN scores every candidate, and the other two
    # only those it gives a logit above -2; most candidates are background
    # it already rejects (README, stop 44).
    type='VerifiedTwoStageDetector',
    verifier=dict(type='CropVerifier', weight=0.9, num_members=3,
                  cascade_thr=-2.),
    # Half the width of a standard ResNet-18 (base_channels 32): a quarter
    # of the compute per pixel, so twice the iterations and pretraining
    # steps fit the main job's 10 minutes, and res5 stays in the RoI head.
    # BN statistics are learned on the pretraining's batches of 32 crops
    # (TrunkPretrainHook, below), then frozen, as the R101 recipe freezes
    # ImageNet's: with 2 pictures a batch, training on batch statistics and
    # testing on running ones do not match (tests/test_engine/
    # test_trunk_pretrain_hook.py; gain in the README).
    backbone=dict(base_channels=32, norm_eval=True),
    roi_head=dict(
        shared_head=dict(type='SlimResLayer', base_channels=32,
                         norm_eval=True),
        bbox_head=dict(in_channels=256)),
    rpn_head=dict(
        in_channels=128,
        feat_channels=128,
        anchor_generator=dict(
            # Face-shaped (h / w 1 and 1.25), half an octave apart, from
            # 8 px: the sample's faces go down to 6 px.
            scales=[2**(i / 2) for i in range(-2, 11)],
            ratios=[1.0, 1.25])),
    train_cfg=dict(
        # RPN positives from IoU 0.5 (0.7 in the base): more of them for the
        # small faces, which no anchor overlaps by 0.7.
        rpn=dict(assigner=dict(pos_iou_thr=0.5)),
        # Fewer boxes into the RPN's NMS, which is a sizeable part of a CPU
        # iteration at 6000.
        rpn_proposal=dict(nms_pre=2000),
        rcnn=dict(
            sampler=dict(type='RandomSampler', _delete_=True, **rcnn_sampler))),
    # 1000 proposals a picture at test (mmdet's two-stage default; R-FCN's
    # 300 in the base): the verifier ranks the candidates, so more of them
    # reach the small faces that 300 proposals miss, at the cost of a crop
    # each (README, stop 38).
    test_cfg=dict(rpn=dict(max_per_img=1000)))
# Without ImageNet weights, the trunk (backbone and res5) first learns face
# and background crops of the train split, half of the background crops the
# most face-like of 64 candidates (TrunkPretrainHook). After the last
# iteration, the verifier learns the detector's detections on the train split
# (CropVerifierTrainHook), before the last checkpoint and validation.
# Each hook by name, so that a config inheriting this one drops or changes
# one of them without restating the others, e.g.
#   custom_hooks = _base_.run_hooks + [_base_.pretrain_hook,
#                                      _base_.verifier_hook]
# Channels-last memory: the same arithmetic, faster CPU convolutions (README).
run_hooks = [dict(type='WeightsOnlyCheckpointHook'),
             dict(type='MemoryUsageHook'),
             dict(type='ChannelsLastHook')]
pretrain_hook = dict(type='TrunkPretrainHook', steps=1000, hard_negatives=64)
ohem_switch_hook = dict(type='RoISamplerSwitchHook',
                        switch_iter=max_iters // 2,
                        sampler=dict(type='OHEMSampler', **rcnn_sampler))
# The verifier learns from the candidates of 300 proposals a picture (the
# R101 recipe's test count, where the face-like mistakes are) while the test
# reads 1000 (model.test_cfg): each proposal more is a crop more to train on.
verifier_hook = dict(type='CropVerifierTrainHook', max_proposals=300)
custom_hooks = run_hooks + [pretrain_hook, ohem_switch_hook, verifier_hook]
randomness = dict(seed=0)
# Each log line is the mean of its own 10 iterations (no longer window), so
# tools/analysis_tools/roi_learning_curve.py can tell when RoI accuracy
# leaves the sampler's prior.
log_processor = dict(window_size=10)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1, save_best=None))
