from .samplers import RFCNOHEMSampler

__all__ = ['RFCNOHEMSampler']
