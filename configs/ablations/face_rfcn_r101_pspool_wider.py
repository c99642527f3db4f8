# PS RoI pooling (R-FCN's average pooling with rounded bins) instead of align.
_base_ = '../face_rfcn_r101_wider.py'
model = dict(
    roi_head=dict(
        bbox_roi_extractor=dict(
            roi_layer=dict(_delete_=True, type='PSRoIPool', output_size=7))))
