# The sample config with Face R-FCN's OHEM (1:3) from half-way (iteration 180
# of 360): random RoI sampling until then (RoISamplerSwitchHook).
_base_ = '../face_rfcn_r18_wider-sample.py'
custom_hooks = [
    dict(type='WeightsOnlyCheckpointHook'),
    dict(type='MemoryUsageHook'),
    dict(type='RoISamplerSwitchHook', switch_iter=180,
         sampler=dict(type='OHEMSampler', num=128, pos_fraction=0.25,
                      neg_pos_ub=3, add_gt_as_proposals=True)),
]
