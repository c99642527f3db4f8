from .channels_last_hook import ChannelsLastHook
from .crop_verifier_train_hook import (
    CropVerifierTrainHook,
    crop_weights,
    jitter_crops,
    label_detections,
    labelled_final_detections,
    members_loss,
    turned_faces,
    warp_crops,
)
from .fast_inference_hook import FastInferenceHook, prepare_for_inference
from .memory_usage_hook import MemoryUsageHook
from .roi_sampler_switch_hook import RoISamplerSwitchHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .trunk_pretrain_hook import TrunkPretrainHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = [
    'ChannelsLastHook', 'CropVerifierTrainHook', 'FastInferenceHook', 'MemoryUsageHook',
    'RoISamplerSwitchHook', 'SafeCheckpointHook', 'TrunkPretrainHook',
    'WeightsOnlyCheckpointHook', 'crop_weights', 'jitter_crops',
    'label_detections', 'labelled_final_detections', 'members_loss',
    'prepare_for_inference',
    'turned_faces', 'warp_crops'
]
