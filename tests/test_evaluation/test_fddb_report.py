"""FDDB's TPR table, ROC figure and the official ROC text files, on ROCs
made by hand."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmfacerfcn.evaluation.functional.fddb_protocol import (
    FDDB_NO_DETECTION_THR,
    FDDBImage,
    fddb_roc,
)
from mmfacerfcn.evaluation.functional.fddb_report import (
    fddb_summary,
    format_fddb_table,
    plot_roc_curves,
    write_roc_file,
)

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def hand_roc(num_faces=3):
    """Four points, thresholds ascending as fddb_roc gives them; the last is
    an image without detections (DBL_MAX)."""
    tp_disc = np.array([3, 2, 1, 0])
    tp_cont = np.array([2.5, 1.75, 0.8, 0.0])
    denom = num_faces or np.inf
    return dict(thresholds=np.array([0.2, 0.5, 0.9, FDDB_NO_DETECTION_THR]),
                tp_disc=tp_disc, tp_cont=tp_cont,
                fp=np.array([1234567, 2, 0, 0]),
                tpr_disc=tp_disc / denom, tpr_cont=tp_cont / denom,
                num_faces=num_faces)


def test_summary_reads_the_step_curve():
    roc = hand_roc()
    # Lowering the threshold: (fp 0, 0), (0, 1/3), (2, 2/3), (1234567, 1).
    summary = fddb_summary(roc, fps=(0, 1, 2, 2000))
    assert list(summary) == ['disc_tpr@0', 'disc_tpr@1', 'disc_tpr@2',
                             'disc_tpr@2000', 'cont_tpr@0', 'cont_tpr@1',
                             'cont_tpr@2', 'cont_tpr@2000']
    assert list(summary.values()) == pytest.approx(
        [1 / 3, 1 / 3, 2 / 3, 2 / 3, 0.8 / 3, 0.8 / 3, 1.75 / 3, 1.75 / 3],
        abs=1e-15)
    default = fddb_summary(roc)
    assert list(default) == ['disc_tpr@500', 'disc_tpr@1000', 'disc_tpr@2000',
                             'cont_tpr@500', 'cont_tpr@1000', 'cont_tpr@2000']
    assert default['disc_tpr@2000'] == pytest.approx(2 / 3)
    roc['fp'][0] = 1500  # now reached below 2000 false positives
    assert fddb_summary(roc)['disc_tpr@2000'] == 1.0
    assert fddb_summary(roc)['cont_tpr@1000'] == pytest.approx(1.75 / 3)


def test_table_one_summary_and_named_summaries():
    summary = dict(fddb_summary(hand_roc(), fps=(1, 2)), faces=3, images=2)
    lines = format_fddb_table(summary).splitlines()
    assert len(lines) == 5
    assert lines[1].split('|')[1:-1] == [
        ' disc_tpr@1 ', ' disc_tpr@2 ', ' cont_tpr@1 ', ' cont_tpr@2 ',
        ' faces ', ' images ']
    assert [c.strip() for c in lines[3].split('|')[1:-1]] == [
        '0.3333', '0.6667', '0.2667', '0.5833', '3', '2']

    other = dict(summary, **{'disc_tpr@1': 0.5})
    lines = format_fddb_table({'ours': summary, 'theirs': other}).splitlines()
    assert len(lines) == 6
    assert lines[1].split()[1] == 'detector'
    assert [line.split()[1:4:2] for line in lines[3:5]] == [
        ['ours', '0.3333'], ['theirs', '0.5000']]
    with pytest.raises(ValueError, match="summary of 'b' has the keys"):
        format_fddb_table({'a': summary, 'b': {'faces': 3}})


def test_roc_files_in_the_official_format(tmp_path: Path):
    # Results::saveROC: "<tp/N> <fp> <threshold>" and "<tp/N> <fp>", C++'s
    # default double output (%g), thresholds ascending.
    disc, cont = tmp_path / 'out' / 'DiscROC.txt', tmp_path / 'ContROC.txt'
    write_roc_file(hand_roc(), disc)
    write_roc_file(hand_roc(), cont, continuous=True)
    assert disc.read_text() == ('1 1.23457e+06 0.2\n'
                                '0.666667 2 0.5\n'
                                '0.333333 0 0.9\n'
                                '0 0 1.79769e+308\n')
    assert cont.read_text() == ('0.833333 1.23457e+06\n'
                                '0.583333 2\n'
                                '0.266667 0\n'
                                '0 0\n')
    # Points in another order are written in the program's order.
    shuffled = {k: v[::-1] if isinstance(v, np.ndarray) else v
                for k, v in hand_roc().items()}
    write_roc_file(shuffled, tmp_path / 'again.txt')
    assert (tmp_path / 'again.txt').read_text() == disc.read_text()


def test_roc_file_without_faces_is_zeros(tmp_path: Path):
    # The program writes "0 0" when N is 0, whatever the counts.
    roc = fddb_roc([FDDBImage(np.zeros((0, 5)), [[0, 0, 5, 5, 0.7]], 20, 20)])
    assert roc['fp'].tolist() == [1] and roc['num_faces'] == 0
    write_roc_file(roc, tmp_path / 'DiscROC.txt')
    write_roc_file(roc, tmp_path / 'ContROC.txt', continuous=True)
    assert (tmp_path / 'DiscROC.txt').read_text() == '0 0 0.7\n'
    assert (tmp_path / 'ContROC.txt').read_text() == '0 0\n'


def test_roc_file_of_fddb_roc_has_one_line_per_point(tmp_path: Path):
    ellipse = [[20, 15, np.pi / 2, 60, 50]]
    roc = fddb_roc([
        FDDBImage(ellipse, [[45, 30, 30, 40, 0.9], [0, 0, 9, 9, 0.95]], 100,
                  120),
        FDDBImage(ellipse, np.zeros((0, 5)), 100, 120)])
    write_roc_file(roc, tmp_path / 'DiscROC.txt')
    rows = [line.split() for line in
            (tmp_path / 'DiscROC.txt').read_text().splitlines()]
    assert [r[1:] for r in rows] == [['1', '0.9'], ['1', '0.95'],
                                     ['0', '1.79769e+308']]
    assert [r[0] for r in rows] == ['0.5', '0', '0']


def test_plot_two_detectors_into_a_new_folder(tmp_path: Path):
    out = tmp_path / 'plots' / 'deeper' / 'roc.png'
    other = hand_roc()
    other['tpr_disc'] = other['tpr_disc'] * 0.5
    plot_roc_curves({'ours': hand_roc(), 'theirs': other}, out,
                    title='FDDB folds 1-10')
    data = out.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 10_000
    with Image.open(out) as im:
        assert im.size == (1100, 450)
        im.load()  # decodes completely: the file is whole
    assert [p.name for p in out.parent.iterdir()] == ['roc.png']
    with pytest.raises(ValueError, match='no ROC to plot'):
        plot_roc_curves({}, tmp_path / 'none.png')
    assert not (tmp_path / 'none.png').exists()
