# FDDB as the test set, WIDER FACE for training and validation: Face R-FCN
# is trained on WIDER FACE and evaluated on FDDB. Use this file in place of
# wider_face.py in a model config's _base_ list (it inherits it: the train and
# val loaders, the test pipeline and the TTA settings stay WIDER FACE's).
#
# Data: the official FDDB download unpacked in data/fddb/ (FDDB-folds/ with the
# FDDB-fold-XX-ellipseList.txt files, originalPics/ with the pictures), then
#   python tools/dataset_converters/fddb_to_coco.py data/fddb \
#       data/fddb/annotations/fddb.json
# which keeps each face's ellipse, writes its tight box as bbox and records
# each image's fold. The embedded sample has an FDDB-layout copy of its val
# split (bash tools/prepare_sample.sh -> data/fddb_sample/, annotations in
# data/fddb_sample/annotations/fddb_sample.json): point data_root and the
# evaluator's ann_file there to run the metric offline.
_base_ = ['./wider_face.py']

fddb_root = 'data/fddb/'

test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type={{_base_.dataset_type}},
        metainfo=dict(classes=('face', )),
        data_root=fddb_root,
        ann_file='annotations/fddb.json',
        data_prefix=dict(img='originalPics/'),
        test_mode=True,
        # Every image is scored, with or without faces (FDDB's ROC counts
        # every false positive).
        filter_cfg=dict(filter_empty_gt=False),
        pipeline={{_base_.test_pipeline}},
        backend_args={{_base_.backend_args}}))
test_evaluator = dict(
    _delete_=True,
    type='FDDBMetric',
    ann_file=fddb_root + 'annotations/fddb.json')
