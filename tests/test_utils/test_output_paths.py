"""check_output_not_input: inputs by path, link or inode; folders by tree."""
import os

import pytest

from mmfacerfcn.utils.output_paths import (
    OutputOverwritesInputError,
    check_output_not_input,
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
