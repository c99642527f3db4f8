"""Evaluation: the WIDER FACE protocol (``functional``, numpy only) and the
registered ``WiderFaceMetric`` (``metrics``, needs MMDetection)."""
from . import functional, metrics
from .metrics import WiderFaceMetric

__all__ = ['functional', 'metrics', 'WiderFaceMetric']
