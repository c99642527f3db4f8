# Face R-FCN, ResNet-101 (R-FCN arXiv 1605.06409; Face R-FCN arXiv 1709.05256).
# conv1-res4 in the backbone (stride 16; the RPN works on conv4); res5 with
# stride 1 and dilation 2 runs once over the whole image as the RoI head's
# shared head; position-sensitive score maps, PS RoI align and a vote follow.
# What registers our modules (mmfacerfcn.REGISTERING_MODULES): the RoI head,
# extractor, votes and OHEM sampler; the hooks and runner; the WIDER metric.
# Every config inherits this file, the Faster R-CNN baselines included.
custom_imports = dict(
    imports=['mmfacerfcn.models', 'mmfacerfcn.engine',
             'mmfacerfcn.evaluation.metrics'],
    allow_failed_imports=False)

k = 7  # bins per side of the position-sensitive grid
norm_cfg = dict(type='BN', requires_grad=False)
pretrained = 'torchvision://resnet101'

model = dict(
    type='TwoStageDetector',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        frozen_stages=1,
        norm_cfg=norm_cfg,
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    rpn_head=dict(
        type='RPNHead',
        in_channels=1024,
        feat_channels=512,
        anchor_generator=dict(
            type='AnchorGenerator',
            # Faces from 16 to 512 px; several aspect ratios (h / w) because
            # WIDER face boxes are mostly taller than wide.
            scales=[1, 2, 4, 8, 16, 32],
            ratios=[0.8, 1.0, 1.25, 1.6],
            strides=[16]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0)),
    roi_head=dict(
        type='RFCNRoIHead',
        shared_head=dict(
            type='ResLayer',
            depth=101,
            stage=3,
            stride=1,
            dilation=2,
            style='pytorch',
            norm_cfg=norm_cfg,
            norm_eval=True,
            init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
        bbox_roi_extractor=dict(
            type='PSRoIExtractor',
            roi_layer=dict(type='PSRoIAlign', output_size=k, sampling_ratio=2),
            backend='torchvision',
            featmap_strides=[16]),
        bbox_head=dict(
            type='RFCNBBoxHead',
            in_channels=2048,
            feat_channels=1024,
            roi_feat_size=k,
            num_classes=1,
            with_extra_block=False,
            vote=dict(type='WeightedVote'),
            reg_class_agnostic=True,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))),
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,
                # Every face gets its best anchor as a positive: at 0.3 (mmdet's
                # value) faces under ~16 px, whose best IoU with a 16 px anchor
                # at stride 16 is lower, got none and were learned as background.
                min_pos_iou=0.1,
                match_low_quality=True,
                ignore_iof_thr=0.5),
            sampler=dict(
                type='RandomSampler',
                num=256,
                pos_fraction=0.5,
                neg_pos_ub=-1,
                add_gt_as_proposals=False),
            allowed_border=-1,
            pos_weight=-1,
            debug=False),
        rpn_proposal=dict(
            nms_pre=6000,
            max_per_img=300,  # R-FCN: OHEM picks 128 of 300 RoIs
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=0.5),
            # Face R-FCN: OHEM with positives : negatives = 1 : 3.
            sampler=dict(
                type='OHEMSampler',
                num=128,
                pos_fraction=0.25,
                neg_pos_ub=3,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False)),
    test_cfg=dict(
        rpn=dict(
            nms_pre=6000,
            max_per_img=300,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            score_thr=0.01,
            nms=dict(type='nms', iou_threshold=0.3),
            # WIDER images hold hundreds of faces: do not cap at mmdet's 100.
            max_per_img=1000)))
