# WIDER FACE in COCO format. The annotation files are written by
#   python tools/dataset_converters/wider_face_to_coco.py data/WIDERFace \
#       data/WIDERFace/annotations/wider_face_{train,val}.json --split {train,val}
# from the official download unpacked in data/WIDERFace/ (layout and JSON fields:
# docs/wider_face_coco_format.md). Faces flagged there (invalid, zero-size, or
# nothing left after clipping) have iscrowd=1, which CocoDataset turns into
# ignore_flag=1: training ignores them instead of learning them as background.
dataset_type = 'CocoDataset'
data_root = 'data/WIDERFace/'
metainfo = dict(classes=('face', ))
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    # Short side 1024 or 1200, long side at most 1600: WIDER's faces are small.
    dict(
        type='RandomChoiceResize',
        scales=[(1600, 1024), (1600, 1200)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1600, 1024), keep_ratio=True),
    # Ground truth is loaded after the resize, as in mmdet: boxes stay in the
    # original image's coordinates for the metric.
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    # The schedules count iterations: an endless shuffled stream, as mmdet's
    # iteration-based configs use (no restart of the loader at each epoch).
    sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        metainfo=metainfo,
        data_root=data_root,
        ann_file='annotations/wider_face_train.json',
        data_prefix=dict(img='WIDER_train/images/'),
        # filter_empty_gt=True drops the few images without face: mmdet's RPN
        # and RoI samplers handle them, but they would add only background
        # while costing a full-size forward pass. min_size is compared with the
        # IMAGE's shorter side (not the faces'), so it must stay small: tiny
        # faces are never dropped by it (zero-size boxes are skipped by
        # CocoDataset itself, and flagged ones are ignored through iscrowd).
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        metainfo=metainfo,
        data_root=data_root,
        ann_file='annotations/wider_face_val.json',
        data_prefix=dict(img='WIDER_val/images/'),
        test_mode=True,
        # Every val image is scored, with or without faces (false positives on
        # empty images count against precision).
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='WiderFaceMetric',
    ann_file=data_root + 'annotations/wider_face_val.json')
test_evaluator = val_evaluator

# To detect on the test split (no ground truth), convert it with --split test,
# then point test_dataloader.dataset at annotations/wider_face_test.json and
# WIDER_test/images/, and drop LoadAnnotations from its pipeline.

# Multi-scale testing (tools/test.py --tta): an image pyramid with flips,
# merged by NMS as Face R-FCN tests at several scales; no 100-box cap.
tta_model = dict(
    type='DetTTAModel',
    tta_cfg=dict(nms=dict(type='nms', iou_threshold=0.3), max_per_img=1000))
tta_scales = [(1600, 600), (1600, 1024), (2000, 1400)]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale=s, keep_ratio=True) for s in tta_scales],
            [dict(type='RandomFlip', prob=1.), dict(type='RandomFlip', prob=0.)],
            [dict(type='LoadAnnotations', with_bbox=True)],
            [dict(type='PackDetInputs',
                  meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                             'scale_factor', 'flip', 'flip_direction'))],
        ])
]
