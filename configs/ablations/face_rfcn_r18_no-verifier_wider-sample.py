# The sample config without the crop verifier: the detector's scores as its
# RoI head gives them. Testing a checkpoint of the sample config with this
# config measures the verifier's gain on the same detector.
_base_ = '../face_rfcn_r18_wider-sample.py'

model = dict(verifier=None)
custom_hooks = _base_.run_hooks + [_base_.pretrain_hook,
                                   _base_.ohem_switch_hook]
