# Face R-FCN, ResNet-101 with dilated res5, on WIDER FACE.
# Data: see configs/_base_/datasets/wider_face.py for the converter commands.
_base_ = [
    '_base_/models/face_rfcn_r101.py',
    '_base_/datasets/wider_face.py',
    '_base_/schedules/schedule_wider_sgd.py',
    '_base_/default_runtime.py',
]
