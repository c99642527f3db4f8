# The embedded default's model scored on FDDB's protocol: the sample's val
# pictures in FDDB's layout, with ellipses around the same faces
# (tools/prepare_sample.sh writes data/fddb_sample/ and its COCO JSON).
#   python tools/test.py configs/face_rfcn_r18_fddb-sample.py \
#       work_dirs/face_rfcn_r18_wider-sample/iter_560.pth
_base_ = './face_rfcn_r18_wider-sample.py'
fddb_root = 'data/fddb_sample/'

test_dataloader = dict(
    dataset=dict(
        data_root=fddb_root,
        ann_file='annotations/fddb_sample.json',
        data_prefix=dict(img='originalPics/')))
test_evaluator = dict(
    _delete_=True,
    type='FDDBMetric',
    ann_file=fddb_root + 'annotations/fddb_sample.json',
    roc_curve_file='fddb_roc.png')  # in the work dir
