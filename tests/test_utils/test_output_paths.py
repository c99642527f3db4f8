"""check_output_not_input: inputs by path, link or inode; folders by tree.

escape_reason / join_inside: names read from files stay in their folder.
"""
import os
import re

import pytest

from mmfacerfcn.utils.output_paths import (
    OutputOverwritesInputError,
    PathEscapesFolderError,
    check_output_not_input,
    escape_reason,
    join_inside,
)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / 'images' / 'event').mkdir(parents=True)
    (tmp_path / 'images' / 'event' / 'a.jpg').write_bytes(b'jpg')
    (tmp_path / 'gt.txt').write_text('gt')
    return tmp_path


def test_input_file_by_path_link_and_inode(tree, monkeypatch):
    gt = tree / 'gt.txt'
    os.symlink(gt, tree / 'link.txt')
    os.link(gt, tree / 'hard.txt')
    monkeypatch.chdir(tree / 'images')
    for out in (gt, '../gt.txt', tree / 'images' / '..' / 'gt.txt',
                tree / 'link.txt', tree / 'hard.txt'):
        with pytest.raises(OutputOverwritesInputError,
                           match=f'{out}: is the input file {gt}'):
            check_output_not_input(out, files=[gt])


def test_output_inside_an_input_folder(tree):
    images = tree / 'images'
    for out in (images, images / 'out.json', images / 'event' / 'a.jpg',
                images / 'new' / 'deeper' / 'out.json'):
        with pytest.raises(OutputOverwritesInputError,
                           match=f'{out}: lies inside the input folder'):
            check_output_not_input(out, folders=[images])


def test_other_paths_pass(tree):
    check_output_not_input(tree / 'annotations' / 'train.json',
                           files=[tree / 'gt.txt'],
                           folders=[tree / 'images'])
    # sharing a prefix of the name is not lying inside
    check_output_not_input(tree / 'images2' / 'out.json',
                           folders=[tree / 'images'])
    check_output_not_input(tree / 'gt.txt.json', files=[tree / 'gt.txt'])


@pytest.mark.parametrize('name, reason', [
    ('../a.txt', "has a '..' component"),
    ('event/../../a.txt', "has a '..' component"),
    ('event\\..\\..\\a.txt', "has a '..' component"),
    ('/tmp/a.txt', 'is an absolute path'),
    ('\\\\server\\share\\a.txt', 'is an absolute path'),
    ('C:\\a.txt', 'is an absolute path'),
    ('C:a.txt', 'is an absolute path'),
])
def test_names_leaving_their_folder(tmp_path, name, reason):
    assert escape_reason(name) == reason
    with pytest.raises(PathEscapesFolderError,
                       match=f'{re.escape(repr(name))} {reason}: it would lie '
                       f'outside {tmp_path}'):
        join_inside(tmp_path, name)


def test_names_staying_inside(tmp_path):
    for name in ('event/a.txt', 'a.txt', 'event/...txt', './a..b.txt'):
        assert escape_reason(name) is None
    assert join_inside(tmp_path, 'event/a.txt') == str(
        tmp_path / 'event' / 'a.txt')
