# R-FCN's OHEM: rank all 300 RoIs by cls + reg loss, keep the top 128.
_base_ = '../face_rfcn_r101_wider.py'
model = dict(
    train_cfg=dict(
        rcnn=dict(
            sampler=dict(
                _delete_=True, type='RFCNOHEMSampler', num=128,
                loss_nms_thr=0.7))))
