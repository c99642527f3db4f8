from .wider_face_metric import WiderFaceMetric

__all__ = ['WiderFaceMetric']
