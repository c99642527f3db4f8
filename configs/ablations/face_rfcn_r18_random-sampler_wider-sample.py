# The sample config with random 1:3 RoI sampling throughout: no switch to
# OHEM half-way (RoISamplerSwitchHook dropped).
_base_ = '../face_rfcn_r18_wider-sample.py'
custom_hooks = _base_.run_hooks + [_base_.pretrain_hook,
                                   _base_.verifier_hook]
