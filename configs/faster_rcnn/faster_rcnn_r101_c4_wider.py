# Faster R-CNN R101-C4 on the same data, backbone, RPN, sampling and schedule:
# the baseline R-FCN is measured against. The one difference is where res5
# runs: here per RoI (stride 2 on 14x14 RoI features), in R-FCN once per image.
_base_ = '../face_rfcn_r101_wider.py'
norm_cfg = dict(type='BN', requires_grad=False)
model = dict(
    roi_head=dict(
        _delete_=True,
        type='StandardRoIHead',
        shared_head=dict(
            type='ResLayer',
            depth=101,
            stage=3,
            stride=2,
            dilation=1,
            style='pytorch',
            norm_cfg=norm_cfg,
            norm_eval=True,
            init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
            out_channels=1024,
            featmap_strides=[16]),
        bbox_head=dict(
            type='BBoxHead',
            with_avg_pool=True,
            roi_feat_size=7,
            in_channels=2048,
            num_classes=1,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=True,
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))))
