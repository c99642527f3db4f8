# The sample config with random 1:3 RoI sampling throughout: no switch to
# OHEM half-way (RoISamplerSwitchHook dropped).
_base_ = '../face_rfcn_r18_wider-sample.py'
custom_hooks = [
    dict(type='WeightsOnlyCheckpointHook'),
    dict(type='MemoryUsageHook'),
    dict(type='TrunkPretrainHook', steps=1600, hard_negatives=64),
    dict(type='CropVerifierTrainHook'),
]
