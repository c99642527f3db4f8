# The sample config with the crop verifier trained as before stop 38: the
# candidates that overlap a face by 0.3-0.5 are left out of its training
# instead of being non-faces (CropVerifierTrainHook's neg_iou).
_base_ = '../face_rfcn_r18_wider-sample.py'
verifier_hook = dict(type='CropVerifierTrainHook', max_proposals=300,
                     neg_iou=0.3)
custom_hooks = _base_.run_hooks + [_base_.pretrain_hook,
                                   _base_.ohem_switch_hook, verifier_hook]
