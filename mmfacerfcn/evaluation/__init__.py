"""Evaluation: the WIDER FACE protocol (``functional``: numpy and scipy only)
and the registered ``WiderFaceMetric`` (``metrics``: needs MMDetection).

Nothing is imported here, so that ``functional`` loads without torch; import
``mmfacerfcn.evaluation.metrics`` to register the metric.
"""
