# A small Face R-FCN for CPU: ResNet-18 trunk trained from scratch (no
# pretrained weights), same layout as face_rfcn_r101.py (dilated res5 run once
# per image, PS score maps, weighted vote). Used by the embedded-sample config
# and the tests.
_base_ = './face_rfcn_r101.py'

# Trained from scratch: BN's affine weights learn, and its statistics are
# those of the training batches (the R101 config freezes ImageNet BN). The
# sample config freezes them once TrunkPretrainHook has learned them.
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(
        depth=18, frozen_stages=-1, norm_cfg=norm_cfg, norm_eval=False,
        init_cfg=None),
    rpn_head=dict(in_channels=256, feat_channels=256),
    roi_head=dict(
        shared_head=dict(
            depth=18, norm_cfg=norm_cfg, norm_eval=False, init_cfg=None),
        bbox_head=dict(
            in_channels=512,
            feat_channels=256,
            # From scratch, N(0, 0.01) on both the 1x1 reduction and the score
            # maps leaves the classifier at its prior (every RoI background);
            # He init on the reduction (it feeds a ReLU) lets it learn
            # (tests/test_models/test_detectors/test_face_rfcn.py).
            init_cfg=[
                dict(type='Kaiming', override=dict(name='reduce')),
                dict(type='Normal', std=0.01,
                     override=[dict(name='conv_cls'), dict(name='conv_reg')])
            ])))
