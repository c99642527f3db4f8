from .fddb_metric import FDDBMetric
from .wider_face_metric import WiderFaceMetric

__all__ = ['FDDBMetric', 'WiderFaceMetric']
