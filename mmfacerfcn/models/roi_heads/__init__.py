from .bbox_heads import AverageVote, ConvVote, RFCNBBoxHead, WeightedVote
from .rfcn_roi_head import RFCNRoIHead
from .roi_extractors import MMCVPSRoIAlign, PSRoIExtractor
from .shared_heads import SlimResLayer

__all__ = [
    'RFCNRoIHead', 'RFCNBBoxHead', 'AverageVote', 'WeightedVote', 'ConvVote',
    'PSRoIExtractor', 'MMCVPSRoIAlign', 'SlimResLayer'
]
