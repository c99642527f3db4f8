from .crop_verifier import CropVerifier, grey_pixels
from .platt_scaling import (
    PlattScaling,
    fit_platt,
    platt_targets,
    probability_logits,
)

__all__ = [
    'CropVerifier', 'PlattScaling', 'fit_platt', 'grey_pixels',
    'platt_targets', 'probability_logits'
]
