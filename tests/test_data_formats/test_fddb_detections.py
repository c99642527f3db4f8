"""FDDB's detection files: written so they read back exactly, and each
malformed line refused with its file and line."""
from pathlib import Path

import numpy as np
import pytest

from mmfacerfcn.data_formats.fddb_detections import (
    read_fddb_detection_entries,
    read_fddb_detections,
    write_fddb_detections,
)
from mmfacerfcn.data_formats.fddb_ellipses import FddbFormatError


def test_round_trip_is_exact_for_float32_and_float64(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    f32 = np.concatenate([rng.uniform(0, 500, (50, 4)),
                          rng.uniform(0, 1, (50, 1))], axis=1).astype(np.float32)
    f32[0, 4] = np.float32(1e-7)  # written in exponent form
    f64 = rng.uniform(0, 1, (7, 5)) * 1e3
    entries = [('2002/08/11/big/img_591', f32), ('2003/01/01/big/img_1', []),
               ('2002/07/19/big/img_2', f64)]
    out = tmp_path / 'new' / 'fold-01-out.txt'
    write_fddb_detections(out, entries)
    read = read_fddb_detections(out)
    assert list(read) == [e[0] for e in entries]  # file order
    assert read['2002/08/11/big/img_591'].dtype == np.float64
    # Exact, not close: float32 scores and boxes come back bit for bit.
    assert np.array_equal(read['2002/08/11/big/img_591'].astype(np.float32),
                          f32)
    assert np.array_equal(read['2002/08/11/big/img_591'],
                          f32.astype(np.float64))
    assert np.array_equal(read['2002/07/19/big/img_2'], f64)
    assert read['2003/01/01/big/img_1'].shape == (0, 5)
    assert not [p.name for p in out.parent.iterdir() if p != out]


def test_written_text_is_the_official_layout(tmp_path: Path) -> None:
    out = tmp_path / 'dets.txt'
    write_fddb_detections(out, [('a/b', [[188, 75, 154, 196, 0.5]]),
                                ('c/d', np.zeros((0, 5)))])
    assert out.read_text() == 'a/b\n1\n188 75 154 196 0.5\nc/d\n0\n'


@pytest.mark.parametrize('entries, message', [
    ([], 'no image to write'),
    ([('a b', [])], "image path 'a b'"),
    ([('', [])], "image path ''"),
    ([('a/b', []), ('a/b', [])], "image 'a/b' is given twice"),
    ([('a/b', [[1, 2, 3, 4]])], r'expected shape \(N, 5\)'),
    ([('a/b', [[1, 2, -3, 4, 0.5]])], 'negative width or height'),
    ([('a/b', [[1, 2, 3, 4, np.nan]])], 'NaN or infinity'),
])
def test_writer_refuses_what_the_reader_would(tmp_path: Path, entries,
                                              message: str) -> None:
    out = tmp_path / 'dets.txt'
    with pytest.raises(ValueError, match=message):
        write_fddb_detections(out, entries)
    assert not out.exists()


def test_reader_takes_the_official_files_variations(tmp_path: Path) -> None:
    path = tmp_path / 'dets.txt'
    path.write_bytes(b'a/b\r\n2\r\n 1\t2  3 4 0.9 \r\n1.5e1 .5 3. +4 1E-3\r\n'
                     b'c/d\r\n0\r\n\r\n\r\n')
    entries = read_fddb_detection_entries(path)
    assert [(e.path, e.source, e.line) for e in entries] == [
        ('a/b', str(path), 1), ('c/d', str(path), 5)]
    np.testing.assert_array_equal(
        entries[0].detections, [[1, 2, 3, 4, 0.9], [15, 0.5, 3, 4, 1e-3]])
    assert entries[1].detections.shape == (0, 5)


@pytest.mark.parametrize('text, line, message', [
    ('a/b\n', 1, 'file ends before the face count of a/b'),
    ('a/b\n\n1 2 3 4 0.5\n', 2, "expected a face count (non-negative integer), "
     "got ''"),
    ('a/b\n1.5\n1 2 3 4 0.5\n', 2, "expected a face count"),
    ('a/b\n-1\n', 2, "expected a face count"),
    ('a/b\n2\n1 2 3 4 0.5\n', 3, 'count 2 at line 2 but the file ends after 1 '
     'detections of a/b'),
    ('a/b\n2\n1 2 3 4 0.5\nc/d\n0\n', 4, 'count 2 at line 2 but only 1 '
     'detections of a/b follow before the next image path'),
    ('a/b\n1\n1 2 3 4\n', 3, 'expected 5 numbers (left_x top_y width height '
     "detection_score), got 4 fields: '1 2 3 4'"),
    ('a/b\n1\n1 2 3 4 0.5 1\n', 3, 'got 6 fields'),
    ('a/b\n1\n\n1 2 3 4 0.5\n', 3, 'got 0 fields'),
    ('a/b\n1\n1 2 -3 4 0.5\n', 3, 'negative width or height'),
    ('a/b\n1\n1 2 3 -0.5 0.5\n', 3, 'negative width or height'),
    ('a/b\n1\n1 2 3 4 nan\n', 3, "detection_score 'nan' is not finite"),
    ('a/b\n1\n1 2 -inf 4 0.5\n', 3, "width '-inf' is not finite"),
    ('a/b\n1\n1e999 2 3 4 0.5\n', 3, "left_x '1e999' is not finite"),
    ('a/b\n1\n1 2 x 4 0.5\n', 3, "width 'x' is not a number"),
    ('a/b\n1\n1 1_0 3 4 0.5\n', 3, "top_y '1_0' is not a number"),
    ('a/b\n0\nc/d\n0\na/b\n1\n1 2 3 4 0.5\n', 5,
     "image 'a/b' is listed twice (first at line 1)"),
    # trailing garbage
    ('a/b\n1\n1 2 3 4 0.5\n5 6 7 8 0.1\n', 4, 'the count at line 2 is smaller '
     'than the detections of a/b'),
    ('a/b\n0\nthe end\n', 3, "expected an image path (one word), got 'the "
     "end'"),
    ('a/b\n0\n42\n', 3, "expected an image path (one word), got '42'"),
    ('a/b\n0\n%EOF\n', 3, 'file ends before the face count of %EOF'),
    ('\n\n', None, 'no image in file'),
])
def test_malformed_file_names_file_and_line(tmp_path: Path, text: str, line,
                                            message: str) -> None:
    path = tmp_path / 'fold-01-out.txt'
    path.write_text(text)
    with pytest.raises(FddbFormatError) as info:
        read_fddb_detections(path)
    assert isinstance(info.value, ValueError)
    assert (info.value.file, info.value.line) == (str(path), line)
    assert message in info.value.message
    where = f'{path}:{line}' if line else str(path)
    assert str(info.value).startswith(f'{where}: ')


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(FddbFormatError, match='missing.txt: file not found'):
        read_fddb_detections(tmp_path / 'missing.txt')
    path = tmp_path / 'latin1.txt'
    path.write_bytes(b'a/b\n1\n1 2 3 4 0.5 \xe9\n')
    with pytest.raises(FddbFormatError, match=r'latin1\.txt:3: not UTF-8'):
        read_fddb_detections(path)
