# Face R-FCN R101 trained on WIDER FACE (as face_rfcn_r101_wider.py), tested
# on FDDB's ten folds with the official rules (FDDBMetric: true positive rate
# at 500/1000/2000 false positives, discrete and continuous ROC):
#   python tools/test.py configs/face_rfcn_r101_fddb.py CHECKPOINT
_base_ = [
    '_base_/models/face_rfcn_r101.py',
    '_base_/datasets/fddb.py',
    '_base_/schedules/schedule_wider_sgd.py',
    '_base_/default_runtime.py',
]
test_evaluator = dict(roc_curve_file='fddb_roc.png')  # in the work dir
