from .grid_sample_ps_roi_align import GridSamplePSRoIAlign
from .ps_roi_extractor import MMCVPSRoIAlign, PSRoIExtractor

__all__ = ['GridSamplePSRoIAlign', 'MMCVPSRoIAlign', 'PSRoIExtractor']
