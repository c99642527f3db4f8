# The sample config with each face, turned by a random quarter, added as a
# non-face to the crop verifier's training (CropVerifierTrainHook's
# turned_faces): face-like texture without a face's upright layout.
_base_ = '../face_rfcn_r18_wider-sample.py'
verifier_hook = dict(type='CropVerifierTrainHook', max_proposals=300,
                     turned_faces=True)
custom_hooks = _base_.run_hooks + [_base_.pretrain_hook,
                                   _base_.ohem_switch_hook, verifier_hook]
