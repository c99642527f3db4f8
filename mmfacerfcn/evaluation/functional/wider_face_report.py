"""Presentation of WIDER FACE results: an AP table and the PR-curve figure."""
import os
import os.path as osp
from typing import Mapping

import numpy as np
from terminaltables import AsciiTable

from .wider_face_eval import WiderFaceResult


def format_ap_table(aps: Mapping[str, float]) -> str:
    """A small text table of the subset APs (terminaltables, as mmdet's
    metrics print theirs; pure Python, so the numpy-only CLI keeps it).

    Args:
        aps (Mapping[str, float]): subset name to AP.

    Returns:
        str: five lines: border, header, border, values (4 decimals),
        border, e.g. ``| easy   | medium | hard   |``.
    """
    return AsciiTable([list(aps), [f'{ap:.4f}' for ap in aps.values()]]).table


def plot_pr_curves(results: Mapping[str, WiderFaceResult], out_file: str,
                   title: str = 'WIDER FACE val') -> None:
    """Draw the precision-recall curve of each subset into a PNG.

    Uses matplotlib's Agg canvas directly, so it neither needs a display nor
    changes the process-wide pyplot backend.

    Args:
        results (Mapping[str, WiderFaceResult]): subset name to result.
        out_file (str): PNG path; its folder is created if needed.
        title (str): figure title.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for name, res in results.items():
        # Thresholds without kept predictions have no precision: not drawn.
        valid = np.isfinite(res.precision) & np.isfinite(res.recall)
        ax.plot(res.recall[valid], res.precision[valid],
                label=f'{name}: AP {res.ap:.4f}')
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel='recall', ylabel='precision',
           title=title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc='lower left')
    out_dir = osp.dirname(out_file)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    fig.savefig(out_file, format='png')
