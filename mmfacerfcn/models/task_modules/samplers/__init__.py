from .rfcn_ohem_sampler import RFCNOHEMSampler

__all__ = ['RFCNOHEMSampler']
