"""The tiny WIDER FACE val ground truth (see :mod:`mmfacerfcn.testing.tiny_wider`)."""
from mmfacerfcn.testing.tiny_wider import tiny_wider  # noqa: F401  (fixture)
