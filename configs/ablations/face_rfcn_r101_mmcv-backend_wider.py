# PS RoI align through mmcv.ops.RoIAlign plus a per-bin gather (same numbers,
# more work; see tools/analysis_tools/benchmark_ps_roi.py).
_base_ = '../face_rfcn_r101_wider.py'
model = dict(roi_head=dict(bbox_roi_extractor=dict(backend='mmcv')))
