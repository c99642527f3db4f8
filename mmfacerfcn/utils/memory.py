"""Host memory of this process: current and peak resident set size.

Read from ``/proc/self/status`` (Linux), which gives both the current RSS
(``VmRSS``) and this address space's own peak (``VmHWM``). ``ru_maxrss`` from
``getrusage`` is only the fallback elsewhere: it is a peak, never decreases,
and a process spawned on Linux starts with its parent's value.
"""
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
