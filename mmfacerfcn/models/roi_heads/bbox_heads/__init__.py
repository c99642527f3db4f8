from .rfcn_bbox_head import RFCNBBoxHead
from .votes import AverageVote, ConvVote, WeightedVote

__all__ = ['RFCNBBoxHead', 'AverageVote', 'WeightedVote', 'ConvVote']
