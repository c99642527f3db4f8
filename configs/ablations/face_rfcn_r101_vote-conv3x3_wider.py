# Vote: a 3x3 convolution over the k x k bin grid, then the mean.
_base_ = '../face_rfcn_r101_wider.py'
model = dict(roi_head=dict(bbox_head=dict(vote=dict(type='ConvVote', kernel_size=3))))
