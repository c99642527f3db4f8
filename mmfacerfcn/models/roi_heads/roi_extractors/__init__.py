from .ps_roi_extractor import MMCVPSRoIAlign, PSRoIExtractor

__all__ = ['MMCVPSRoIAlign', 'PSRoIExtractor']
