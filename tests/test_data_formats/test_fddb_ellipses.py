"""FDDB's fold files: each malformed line refused with its file and line."""
from pathlib import Path

import pytest

from mmfacerfcn.data_formats.fddb_ellipses import (
    FddbFormatError,
    fold_files,
    parse_fddb_fold,
    read_fddb,
)


def test_parse_fold(tmp_path: Path) -> None:
    fold = tmp_path / 'FDDB-fold-03-ellipseList.txt'
    fold.write_text('a/b\n2\n30 20 1.5 50 40  1\n10 5 0 20 20 1\nc/d\n0\n\n')
    images = parse_fddb_fold(fold, 3)
    assert [(im.path, im.fold, im.source, im.line) for im in images] == [
        ('a/b', 3, str(fold), 1), ('c/d', 3, str(fold), 5)]
    assert images[0].ellipses == [(30, 20, 1.5, 50, 40), (10, 5, 0, 20, 20)]
    assert images[1].ellipses == []


@pytest.mark.parametrize('text, line, message', [
    ('a/b\n1\n1 2 0 4 5\n', 3, 'expected 6 numbers'),
    ('a/b\n1\n1 2 x 4 5 1\n', 3, "got 'x'"),
    ('a/b\n2\n1 2 0 4 5 1\nc/d\n1\n1 2 0 4 5 1\n', 4,
     'count 2 at line 2 but only 1 ellipses'),
    ('a/b\n1\n1 2 0 4 5 1\n1 2 0 4 5 1\n', 4, 'count at line 2 is smaller'),
    ('a/b\n1.5\n', 2, 'expected a face count'),
    ('a/b\n2\n1 2 0 4 5 1\n', 3, 'file ends after 1 ellipses'),
])
def test_malformed_fold_names_file_and_line(tmp_path: Path, text: str, line: int,
                                            message: str) -> None:
    fold = tmp_path / 'FDDB-fold-03-ellipseList.txt'
    fold.write_text(text)
    with pytest.raises(FddbFormatError) as info:
        parse_fddb_fold(fold, 3)
    assert isinstance(info.value, ValueError)
    assert (info.value.file, info.value.line) == (str(fold), line)
    assert message in info.value.message
    assert str(info.value).startswith(f'{fold}:{line}: ')


def test_read_fddb_finds_folds_and_refuses_duplicates(tmp_path: Path) -> None:
    folds = tmp_path / 'FDDB-folds'
    with pytest.raises(FddbFormatError,
                       match='FDDB-folds: no FDDB-fold-XX-ellipseList.txt found'):
        fold_files(tmp_path)
    folds.mkdir()
    (folds / 'FDDB-fold-02-ellipseList.txt').write_text('a/b\n0\n')
    (folds / 'FDDB-fold-10-ellipseList.txt').write_text('c/d\n0\n')
    (folds / 'FDDB-fold-01-ellipseList.txt.bak').write_text('x/y\n0\n')
    assert list(fold_files(tmp_path)) == [2, 10]
    assert [(im.path, im.fold) for im in read_fddb(tmp_path)] == [('a/b', 2),
                                                                  ('c/d', 10)]
    assert [im.path for im in read_fddb(tmp_path, [10])] == ['c/d']
    with pytest.raises(FddbFormatError,
                       match='FDDB-fold-05-ellipseList.txt: file not found'):
        read_fddb(tmp_path, [2, 5])
    (folds / 'FDDB-fold-10-ellipseList.txt').write_text('c/d\n0\na/b\n0\n')
    with pytest.raises(FddbFormatError,
                       match=r"fold-10-ellipseList\.txt:3: duplicate image 'a/b' "
                       r'\(first at .*fold-02-ellipseList\.txt:1\)'):
        read_fddb(tmp_path)
