# A small Face R-FCN for CPU: ResNet-18 trunk trained from scratch (no
# pretrained weights), same layout as face_rfcn_r101.py (dilated res5 run once
# per image, PS score maps, weighted vote). Used by the embedded-sample config
# and the tests.
_base_ = './face_rfcn_r101.py'

# Trained from scratch with small batches of small images: BN learns and
# uses batch statistics (the R101 config freezes ImageNet BN instead).
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(
        depth=18, frozen_stages=-1, norm_cfg=norm_cfg, norm_eval=False,
        init_cfg=None),
    rpn_head=dict(in_channels=256, feat_channels=256),
    roi_head=dict(
        shared_head=dict(
            depth=18, norm_cfg=norm_cfg, norm_eval=False, init_cfg=None),
        bbox_head=dict(in_channels=512, feat_channels=256)))
