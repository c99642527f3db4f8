# An extra ResNet BasicBlock between the 1x1 reduction and the score maps.
_base_ = '../face_rfcn_r101_wider.py'
model = dict(roi_head=dict(bbox_head=dict(with_extra_block=True)))
