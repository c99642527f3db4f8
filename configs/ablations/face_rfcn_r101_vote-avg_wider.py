# Vote: R-FCN's plain average over the k x k bins (main config: weighted).
_base_ = '../face_rfcn_r101_wider.py'
model = dict(roi_head=dict(bbox_head=dict(vote=dict(type='AverageVote'))))
