# The sample config with Face R-FCN's OHEM (1:3) from half-way (iteration 280
# of 560): random RoI sampling until then (RoISamplerSwitchHook).
_base_ = '../face_rfcn_r18_wider-sample.py'
custom_hooks = [
    dict(type='WeightsOnlyCheckpointHook'),
    dict(type='MemoryUsageHook'),
    dict(type='TrunkPretrainHook', steps=1000, hard_negatives=64),
    dict(type='RoISamplerSwitchHook', switch_iter=280,
         sampler=dict(type='OHEMSampler', num=128, pos_fraction=0.25,
                      neg_pos_ub=3, add_gt_as_proposals=True)),
]
