"""Presentation of FDDB results: the TPR table, the ROC figure and the
official program's ROC text files.

``DiscROC.txt`` and ``ContROC.txt`` are written as FDDB's ``evaluate`` writes
them (``Results::saveROC`` in ``Results.cpp``; read in the copy vendored by
github.com/caiqi/fddb-evaluate, and the files it produced in
github.com/imistyrain/fddb ``outputs/``): one line per ROC point, thresholds
ascending (so false positives descending), numbers as C++'s ``ostream``
prints a double by default (``%g``: 6 significant digits)::

    DiscROC.txt:  <tp_disc / N> <fp> <threshold>
    ContROC.txt:  <tp_cont / N> <fp>

with N the number of faces; when N is 0 the program writes ``0 0`` (and the
threshold) whatever the counts. An image without detections adds the point
at threshold DBL_MAX, printed ``1.79769e+308``. These are the files FDDB's
results page plots and other detectors' curves come as.
"""
import io
from typing import Dict, Mapping, Sequence, Union

import numpy as np
from terminaltables import AsciiTable

from ...utils.input_files import PathLike
from ...utils.output_paths import write_atomic
from .fddb_protocol import FDDB_TPR_AT_FPS, tpr_at_fp

#: The right end of the ROC figure's x axis, as on FDDB's results page.
FDDB_PLOT_MAX_FP = 2000


def fddb_summary(roc: Mapping[str, np.ndarray],
                 fps: Sequence[int] = FDDB_TPR_AT_FPS) -> Dict[str, float]:
    """The true positive rates at given numbers of false positives.

    Args:
        roc (Mapping[str, np.ndarray]): From
            :func:`~.fddb_protocol.fddb_roc`.
        fps (Sequence[int]): Numbers of false positives n (see
            :func:`~.fddb_protocol.tpr_at_fp`).

    Returns:
        dict[str, float]: ``disc_tpr@n`` for each n, then ``cont_tpr@n``,
        e.g. ``{'disc_tpr@500': .., 'disc_tpr@1000': .., ...,
        'cont_tpr@2000': ..}``.
    """
    disc = tpr_at_fp(roc, fps)
    cont = tpr_at_fp(roc, fps, continuous=True)
    summary = {f'disc_tpr@{n}': disc[n] for n in fps}
    summary.update({f'cont_tpr@{n}': cont[n] for n in fps})
    return summary


def _cell(value) -> str:
    """Counts as integers, rates with 4 decimals."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f'{value:.4f}'


def format_fddb_table(
    summary: Union[Mapping[str, float], Mapping[str, Mapping[str, float]]]
) -> str:
    """A small text table of FDDB figures (terminaltables, like
    :func:`~.wider_face_report.format_ap_table`).

    Args:
        summary (Mapping): One summary, ``{'disc_tpr@500': .., ...}`` (from
            :func:`fddb_summary`, possibly with counts such as ``'faces'``
            added), or detector name to such a summary (all with the same
            keys): one row per detector, the name in a first column.

    Returns:
        str: border, header (the keys), border, one line per row, border.
        Integers (counts) are printed as such, other values with 4
        decimals.

    Raises:
        ValueError: Named summaries whose keys differ, or none at all.
    """
    if not summary:
        raise ValueError('no summary to format')
    values = list(summary.values())
    if not all(isinstance(v, Mapping) for v in values):
        return AsciiTable([list(summary),
                           [_cell(v) for v in values]]).table
    keys = list(values[0])
    for name, row in summary.items():
        if list(row) != keys:
            raise ValueError(f'summary of {name!r} has the keys {list(row)}, '
                             f'not {keys}')
    rows = [['detector'] + keys]
    rows += [[str(name)] + [_cell(v) for v in row.values()]
             for name, row in summary.items()]
    return AsciiTable(rows).table


def _descending(roc: Mapping[str, np.ndarray], key: str):
    """False positives and ``key`` with the threshold lowered from the top."""
    order = np.argsort(-np.asarray(roc['thresholds'], dtype=np.float64),
                       kind='stable')
    return np.asarray(roc['fp'])[order], np.asarray(roc[key])[order]


def plot_roc_curves(rocs: Mapping[str, Mapping[str, np.ndarray]],
                    out_file: PathLike, title: str = 'FDDB',
                    max_fp: int = FDDB_PLOT_MAX_FP) -> None:
    """Draw the discrete and the continuous ROC of each detector into a PNG.

    Two panels, true positive rate against false positives, x from 0 to
    ``max_fp`` or to the largest false-positive count of the curves if that
    is smaller. Each curve is a step: at x false positives it shows the rate
    :func:`~.fddb_protocol.tpr_at_fp` reads. Uses matplotlib's Agg canvas
    directly, so it neither needs a display nor changes pyplot's backend.

    Args:
        rocs (Mapping[str, Mapping[str, np.ndarray]]): Detector name to its
            :func:`~.fddb_protocol.fddb_roc` result.
        out_file (str | PathLike): PNG path, written atomically; its folder
            is created if needed.
        title (str): Figure title.
        max_fp (int): Right end of the x axis at most.

    Raises:
        ValueError: ``rocs`` is empty.
        OutputWriteError: The file cannot be written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not rocs:
        raise ValueError('no ROC to plot')
    most_fp = max((int(np.max(r['fp'])) if len(r['fp']) else 0)
                  for r in rocs.values())
    x_max = max(min(max_fp, most_fp), 1)
    fig = Figure(figsize=(11, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    for ax, key, score in zip(axes, ('tpr_disc', 'tpr_cont'),
                              ('discrete', 'continuous')):
        for name, roc in rocs.items():
            fp, tpr = _descending(roc, key)
            at = tpr_at_fp(roc, [x_max], continuous=key == 'tpr_cont')[x_max]
            ax.step(fp, tpr, where='post',
                    label=f'{name}: {at:.4f} at {x_max} FP')
        # A little room on the right: a curve ending at x_max stays visible.
        ax.set(xlim=(0, x_max * 1.02), ylim=(0, 1.01),
               xlabel='false positives',
               title=f'{score} score')
        ax.grid(True, alpha=0.3)
        ax.legend(loc='lower right')
    axes[0].set_ylabel('true positive rate')
    fig.suptitle(title)
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format='png')
    data = png.getvalue()
    # write_atomic hands over a text file; the PNG goes to its byte buffer.
    write_atomic(out_file, lambda f: f.buffer.write(data))


def format_roc_lines(roc: Mapping[str, np.ndarray],
                     continuous: bool = False) -> str:
    """The text of the official ``DiscROC.txt`` (or ``ContROC.txt``).

    Args:
        roc (Mapping[str, np.ndarray]): From
            :func:`~.fddb_protocol.fddb_roc`.
        continuous (bool): The continuous file (``tpr fp``) instead of the
            discrete one (``tpr fp threshold``).

    Returns:
        str: One line per point, thresholds ascending, ``%g`` numbers, each
        line ending with a newline (see the module docstring).
    """
    order = np.argsort(np.asarray(roc['thresholds'], dtype=np.float64),
                       kind='stable')
    tpr = np.asarray(roc['tpr_cont' if continuous else 'tpr_disc'])[order]
    fp = np.asarray(roc['fp'])[order]
    thresholds = np.asarray(roc['thresholds'], dtype=np.float64)[order]
    has_faces = bool(roc['num_faces'])
    lines = []
    for t, f, thr in zip(tpr.tolist(), fp.tolist(), thresholds.tolist()):
        # The program keeps FP in a double: %g also for large counts.
        line = f'{t:g} {float(f):g}' if has_faces else '0 0'
        lines.append(line if continuous else f'{line} {thr:g}')
    return ''.join(f'{line}\n' for line in lines)


def write_roc_file(roc: Mapping[str, np.ndarray], path: PathLike,
                   continuous: bool = False) -> None:
    """Write the official ``DiscROC.txt`` (or ``ContROC.txt``), atomically.

    Args:
        roc (Mapping[str, np.ndarray]): From
            :func:`~.fddb_protocol.fddb_roc`.
        path (str | PathLike): The file; missing folders are created.
        continuous (bool): Write the continuous curve (``tpr fp``) instead
            of the discrete one (``tpr fp threshold``).

    Raises:
        OutputWriteError: The file cannot be written.
    """
    text = format_roc_lines(roc, continuous)
    write_atomic(path, lambda f: f.write(text))
