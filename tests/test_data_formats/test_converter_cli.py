"""The converters' shared command-line body: atomic JSON, the summary, and the
check of the JSON written against the face lines read."""
import json
from pathlib import Path

import pytest

from mmfacerfcn.data_formats.converter_cli import (
    dump_json_atomic,
    format_summary,
    run_conversion,
)
from mmfacerfcn.data_formats.wider_face_txt import WiderFormatError

SUMMARY = {
    'images': 2, 'annotated': True, 'faces': 2, 'empty_images': 1,
    'face_lines_read': 2, 'annotations_written': 2,
    'flagged': {'invalid': 0, 'zero_size': 1, 'out_of_image': 0},
    'ignored_iscrowd': 1
}


def coco(num_annotations: int) -> dict:
    """A COCO dict whose summary says two face lines were read."""
    return {'info': {'summary': dict(SUMMARY)}, 'images': [],
            'annotations': [{'id': i + 1} for i in range(num_annotations)],
            'categories': []}


def test_dump_json_atomic(tmp_path: Path) -> None:
    out = tmp_path / 'sub' / 'out.json'
    dump_json_atomic({'a': [1, 2]}, out)
    assert out.read_text().replace(' ', '') == '{"a":[1,2]}'
    bad = tmp_path / 'bad.json'
    with pytest.raises(TypeError):
        dump_json_atomic({'a': object()}, bad)
    assert not bad.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['sub']


def test_format_summary() -> None:
    assert format_summary(SUMMARY).splitlines() == [
        'images: 2 (1 without face)',
        'faces: 2 (face lines read 2)',
        'flagged: invalid 0, zero_size 1, out_of_image 0; ignored for training '
        '(iscrowd=1): 1',
    ]
    assert format_summary(SUMMARY, 2).splitlines()[1] == (
        'faces: 2 (face lines read 2 = annotations in the JSON written 2)')
    test_split = {**SUMMARY, 'annotated': False, 'subsets': {'easy': 1}}
    lines = format_summary(test_split).splitlines()
    assert lines[0] == 'images: 2 (test split: images only, no annotation)'
    assert lines[-1] == 'val subsets: easy 1'


def test_run_conversion_counts_the_json_it_writes(tmp_path: Path, capsys) -> None:
    out = tmp_path / 'out.json'
    assert run_conversion(lambda: coco(2), out, 'T') == 0
    assert len(json.loads(out.read_text())['annotations']) == 2
    assert capsys.readouterr().out.splitlines()[1:3] == [
        f'T -> {out}', 'images: 2 (1 without face)']
    # A face lost on the way is a converter bug: nothing is written.
    out.unlink()
    with pytest.raises(RuntimeError, match='2 face lines read but 1 annotations'):
        run_conversion(lambda: coco(1), out, 'T')
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_run_conversion_refuses_bad_input_and_outputs(tmp_path: Path,
                                                      capsys) -> None:
    def bad_input() -> dict:
        raise WiderFormatError('gt.txt', 3, 'expected 10 integers')

    out = tmp_path / 'out.json'
    assert run_conversion(bad_input, out, 'T') == 1
    assert capsys.readouterr().err == '\nerror: gt.txt:3: expected 10 integers\n'
    assert not out.exists()
    listed = tmp_path / 'gt.txt'
    listed.write_text('x')
    assert run_conversion(lambda: coco(2), listed, 'T', [listed]) == 1
    assert f'error: {listed}: ' in capsys.readouterr().err
    assert listed.read_text() == 'x'
