"""Let torch's safe checkpoint loader read what mmengine writes, and no more.

torch >= 2.6 loads with ``weights_only=True`` by default: it unpickles tensors
and plain containers only. mmengine 0.10.7 checkpoints also hold numpy arrays
and scalars (in logged values and runtime info). Instead of switching the
protection off (``weights_only=False``), we add exactly numpy's reconstruction
functions and dtypes to torch's allow-list; mmengine's ``HistoryBuffer`` logs,
which would need ``builtins.getattr``, are stored as plain lists by
:class:`mmfacerfcn.engine.WeightsOnlyCheckpointHook`. The list was read off real
checkpoints with ``torch.serialization.get_unsafe_globals_in_checkpoint``;
tests train, save, resume and load with ``weights_only=True``.
"""
import numpy as np
import torch


def numpy_checkpoint_types() -> list:
    """numpy's reconstruction helpers and the dtypes mmengine's logs use."""
    if np.lib.NumpyVersion(np.__version__) >= '2.0.0':
        from numpy._core import multiarray
    else:
        from numpy.core import multiarray
    dtype_types = [type(np.dtype(t)) for t in
                   (np.float64, np.float32, np.int64, np.int32, np.bool_)]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype,
            *dtype_types]


def allow_mmengine_checkpoint_types() -> None:
    """Add numpy's array/scalar types to torch's ``weights_only`` allow-list."""
    torch.serialization.add_safe_globals(numpy_checkpoint_types())
