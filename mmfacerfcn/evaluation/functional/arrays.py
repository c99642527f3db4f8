"""Checked float arrays of boxes, shared by the protocols and file formats."""
import numpy as np


def float_rows(values, ncols: int, what: str,
               exact: bool = True) -> np.ndarray:
    """``values`` as float64 rows of ``ncols`` numbers, checked.

    Args:
        values (array-like): Rows, e.g. ``x y w h score`` detections.
        ncols (int): Numbers per row (checked to be finite).
        what (str): What they are, the start of an error message.
        exact (bool): Rows must have exactly ``ncols`` numbers; else at
            least ``ncols`` (later columns are kept, unchecked) and a single
            1-D row is accepted. Defaults to True.

    Returns:
        np.ndarray: shape (N, ncols) (or (N, >= ncols)), float64; an empty
        input gives (0, ncols).

    Raises:
        ValueError: Another shape, or a NaN or infinity in the first
            ``ncols`` columns, starting with ``what``.
    """
    rows = np.asarray(values, dtype=np.float64)
    if rows.size == 0:
        return np.zeros((0, ncols), dtype=np.float64)
    if not exact:
        rows = np.atleast_2d(rows)
    if rows.ndim != 2 or (rows.shape[1] != ncols if exact else
                          rows.shape[1] < ncols):
        raise ValueError(f'{what}: expected shape (N, {ncols}), got '
                         f'{rows.shape}')
    if not np.isfinite(rows[:, :ncols]).all():
        raise ValueError(f'{what}: NaN or infinity')
    return rows
