from .verified_two_stage import VerifiedTwoStageDetector

__all__ = ['VerifiedTwoStageDetector']
