# Faster R-CNN R18-DC5 on the embedded sample: the conventional RoI head that
# Face R-FCN's sample config is measured against. Same data, sampler, trunk
# pretraining, optimiser and schedule (all inherited); the RoI head differs:
# res5 (stride 1, dilation 2, the same half-width stage) runs in the trunk,
# as in mmdet's DC5 configs (R-FCN runs it once per image in its RoI head),
# then RoIAlign 7x7 on the res5 map and two shared fc layers (1024) per RoI.
# As there, the RPN works on the res5 map (R-FCN's works on conv4).
_base_ = '../face_rfcn_r18_wider-sample.py'

model = dict(
    backbone=dict(
        num_stages=4,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        out_indices=(3, )),
    rpn_head=dict(in_channels=256),
    roi_head=dict(
        _delete_=True,
        type='StandardRoIHead',
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[16]),
        bbox_head=dict(
            type='Shared2FCBBoxHead',
            in_channels=256,
            fc_out_channels=1024,
            roi_feat_size=7,
            num_classes=1,
            # Box coding and losses as R-FCN's head.
            bbox_coder={{_base_.model.roi_head.bbox_head.bbox_coder}},
            reg_class_agnostic=True,
            loss_cls={{_base_.model.roi_head.bbox_head.loss_cls}},
            loss_bbox={{_base_.model.roi_head.bbox_head.loss_bbox}})))
val_evaluator = dict(
    pr_curve_file='pr_curves.png')  # in the work dir
test_evaluator = val_evaluator
