"""Host memory of this process: current and peak resident set size.

Read from ``/proc/self/status`` (Linux), which gives both the current RSS
(``VmRSS``) and this address space's own peak (``VmHWM``). ``ru_maxrss`` from
``getrusage`` is only the fallback elsewhere: it is a peak, never decreases,
and a process spawned on Linux starts with its parent's value.
"""
import ctypes
import resource
import sys
from typing import Optional


def proc_status_mib(field: str) -> Optional[float]:
    """A ``kB`` field of ``/proc/self/status`` in MiB, or None without /proc.

    Args:
        field (str): e.g. ``'VmRSS'`` or ``'VmHWM'``.
    """
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _max_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # bytes on macOS, KiB on Linux
    return peak / 2**20 if sys.platform == 'darwin' else peak / 1024


def rss_mib() -> float:
    """Current resident set size in MiB (the peak where /proc is missing)."""
    value = proc_status_mib('VmRSS')
    return _max_rss_mib() if value is None else value


def peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB."""
    value = proc_status_mib('VmHWM')
    return _max_rss_mib() if value is None else value


def release_freed_memory() -> bool:
    """Hand the C allocator's free pages back to the system (glibc).

    glibc's malloc keeps freed memory in its heaps for reuse, so the RSS of a
    process whose allocations change in size and order from one iteration to
    the next creeps up towards its peak although nothing is kept. After
    ``malloc_trim(0)`` the RSS counts what is still allocated, which is what
    a leak check should compare. Python has no binding for it (ctypes is the
    only way in).

    Returns:
        bool: True if glibc released memory; False if it had none to give
        back or the C library is not glibc.
    """
    try:
        return bool(ctypes.CDLL('libc.so.6').malloc_trim(0))
    except (OSError, AttributeError):
        return False
