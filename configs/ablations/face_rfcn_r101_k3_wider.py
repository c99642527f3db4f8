# Position-sensitive grid of 3 x 3 bins (main config: 7 x 7).
_base_ = '../face_rfcn_r101_wider.py'
model = dict(
    roi_head=dict(
        bbox_roi_extractor=dict(roi_layer=dict(output_size=3)),
        bbox_head=dict(roi_feat_size=3)))
