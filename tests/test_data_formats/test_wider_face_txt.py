"""WIDER FACE's text lists: every face kept, the dummy line skipped, and each
malformed line refused with its file and line."""
from pathlib import Path

import pytest

from mmfacerfcn.data_formats.wider_face_txt import (
    WiderFormatError,
    parse_wider_filelist,
    parse_wider_gt,
)

FACE = '1 2 3 4 0 0 0 0 0 0'
# Three images: three faces, none (count 0 and the dummy line), two.
GT_TEXT = """0--Parade/0_Parade_a.jpg
3
10 10 20 30 0 0 0 0 0 0
50 40 0 15 1 0 0 0 0 0
90 70 20 20 2 1 1 0 2 1
0--Parade/0_Parade_b.jpg
0
0 0 0 0 0 0 0 0 0 0
1--Handshaking/1_Handshaking_c.jpg
2
5 5 8 8 0 0 0 1 0 0
70 10 10 10 0 0 0 0 0 0
"""
NAMES = ['0--Parade/0_Parade_a.jpg', '0--Parade/0_Parade_b.jpg',
         '1--Handshaking/1_Handshaking_c.jpg']


def test_parse_gt_keeps_every_face_and_skips_dummy(tmp_path: Path) -> None:
    gt_file = tmp_path / 'wider_face_train_bbx_gt.txt'
    gt_file.write_text(GT_TEXT)
    images = parse_wider_gt(gt_file)
    assert [im.file_name for im in images] == NAMES
    assert [im.source for im in images] == [str(gt_file)] * 3
    assert [len(im.faces) for im in images] == [3, 0, 2]
    assert [im.line for im in images] == [1, 6, 9]
    face = images[0].faces[2]
    assert face.bbox == (90, 70, 20, 20)
    assert face.line == 5
    assert face.attributes == dict(blur=2, expression=1, illumination=1,
                                   invalid=0, occlusion=2, pose=1)
    assert images[2].faces[0].attributes['invalid'] == 1
    assert images[2].event == '1--Handshaking'


def test_parse_filelist(tmp_path: Path) -> None:
    list_file = tmp_path / 'wider_face_test_filelist.txt'
    list_file.write_text(''.join(f'{name}\n' for name in NAMES) + '\n\n')
    images = parse_wider_filelist(list_file)
    assert [(im.file_name, im.line, im.faces) for im in images] == [
        (name, line, []) for line, name in enumerate(NAMES, start=1)]
    list_file.write_text('\n')
    with pytest.raises(WiderFormatError, match='no image in file'):
        parse_wider_filelist(list_file)


@pytest.mark.parametrize('text, line, message', [
    ('0--A/a.jpg\n1\n1 2 3 abc 0 0 0 0 0 0\n', 3,
     "expected 10 integers, got 'abc'"),
    ('0--A/a.jpg\n1\n1 2 3 4 0 0 0 0 0\n', 3, 'expected 10 integers, got 9'),
    (f'0--A/a.jpg\n1\n{FACE} 7\n', 3, 'got 11 fields'),
    (f'0--A/a.jpg\n2\n{FACE}\n0--A/b.jpg\n1\n{FACE}\n', 4,
     'count 2 at line 2 but only 1 face lines'),
    (f'0--A/a.jpg\n3\n{FACE}\n{FACE}\n', 4, 'file ends after 2 face lines'),
    (f'0--A/a.jpg\n1\n{FACE}\n{FACE}\n0--A/b.jpg\n1\n{FACE}\n', 4,
     'count at line 2 (1) is smaller'),
    ('0--A/a.jpg\nx\n', 2, "expected a face count (non-negative integer), got 'x'"),
    ('0--A/a.jpg\n-1\n', 2, 'non-negative integer'),
    (f'0--A/a.jpg\n0\n0--A/b.jpg\n1\n{FACE}\n', 2, 'dummy line'),
    (f'0--A/a.jpg\n0\n{FACE}\n', 3, 'dummy line of zeros'),
    (f'a.jpg\n1\n{FACE}\n', 1, "expected an image path '<event>/<name>.jpg'"),
    (f'0--A/a.jpg\n1\n{FACE}\n0--A/a.jpg\n1\n{FACE}\n', 4, 'duplicate image'),
    ('0--A/a.jpg\n', 1, 'file ends before the face count'),
])
def test_malformed_gt_names_file_and_line(tmp_path: Path, text: str, line: int,
                                          message: str) -> None:
    gt_file = tmp_path / 'wider_face_val_bbx_gt.txt'
    gt_file.write_text(text)
    with pytest.raises(WiderFormatError) as info:
        parse_wider_gt(gt_file)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.file, err.line) == (str(gt_file), line)
    assert message in err.message
    assert str(err).startswith(f'{gt_file}:{line}: ')


@pytest.mark.parametrize('image_path, reason', [
    ('../x/y.jpg', "has a '..' component"),
    ('../y.jpg', "has a '..' component"),  # a valid '<event>/<name>.jpg'
    ('0--A/../../y.jpg', "has a '..' component"),
    ('/tmp/x/y.jpg', 'is an absolute path'),
    ('\\x\\y.jpg', 'is an absolute path'),
    ('C:/x/y.jpg', 'is an absolute path'),
])
def test_image_path_leaving_the_image_folder_is_refused(
        tmp_path: Path, image_path: str, reason: str) -> None:
    for name, parse in (('wider_face_val_bbx_gt.txt', parse_wider_gt),
                        ('wider_face_test_filelist.txt',
                         parse_wider_filelist)):
        list_file = tmp_path / name
        body = f'1\n{FACE}\n' if parse is parse_wider_gt else ''
        list_file.write_text(f'0--A/a.jpg\n{body}{image_path}\n{body}')
        line = 4 if parse is parse_wider_gt else 2
        with pytest.raises(WiderFormatError) as info:
            parse(list_file)
        assert (info.value.file, info.value.line) == (str(list_file), line)
        assert str(info.value) == (
            f'{list_file}:{line}: image path {image_path!r} {reason}: images '
            'must lie inside WIDER_<split>/images')
