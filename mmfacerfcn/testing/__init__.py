"""Helpers for tests and benchmarks: naive references, small inputs."""
from .ps_roi_reference import (
                               ps_roi_align_reference,
                               ps_roi_edge_case_inputs,
                               ps_roi_pool_reference,
)

__all__ = [
    'ps_roi_align_reference', 'ps_roi_pool_reference', 'ps_roi_edge_case_inputs'
]
