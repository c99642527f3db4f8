# The sample config without the crop verifier: the detector's scores as its
# RoI head gives them. Testing a checkpoint of the sample config with this
# config measures the verifier's gain on the same detector.
_base_ = '../face_rfcn_r18_wider-sample.py'

model = dict(verifier=None)
custom_hooks = [
    dict(type='WeightsOnlyCheckpointHook'),
    dict(type='MemoryUsageHook'),
    dict(type='TrunkPretrainHook', steps=1600, hard_negatives=64),
    dict(type='RoISamplerSwitchHook', switch_iter=400,
         sampler=dict(type='OHEMSampler', num=128, pos_fraction=0.25,
                      neg_pos_ub=3, add_gt_as_proposals=True)),
]
