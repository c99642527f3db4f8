"""The one face-to-COCO loop: clipping, flags, ids, field order, counts."""
from pathlib import Path

import pytest
from PIL import Image

from mmfacerfcn.data_formats.annotation_files import AnnotationFormatError
from mmfacerfcn.data_formats.face_coco import (
    CLIP_FLAG_NAMES,
    FaceBox,
    FaceImage,
    build_face_coco,
    clip_box,
)


@pytest.mark.parametrize('bbox, clipped, flags, empty', [
    ((10, 10, 20, 30), [10, 10, 20, 30], [], False),
    ((90, 70, 20, 20), [90, 70, 10, 10], ['out_of_image'], False),
    ((-5, -5, 10, 10), [0, 0, 5, 5], ['out_of_image'], False),
    ((50, 40, 0, 15), [50, 40, 0, 15], ['zero_size'], True),
    ((120, 10, 10, 10), [100, 10, 0, 10], ['out_of_image'], True),
])
def test_clip_box(bbox, clipped, flags, empty) -> None:
    assert clip_box(bbox, 100, 80) == (clipped, flags, empty)


class NoImageError(AnnotationFormatError):
    """The error class a format passes in."""


def test_build_face_coco(tmp_path: Path) -> None:
    Image.new('RGB', (100, 80)).save(tmp_path / 'a.png')
    Image.new('RGB', (60, 40)).save(tmp_path / 'b.png')
    images = [
        FaceImage('a.png', 'list.txt', 1, {'event': 'e'}, [
            FaceBox((10, 10, 20, 30), head={'h': 1}, tail={'t': 2}),
            FaceBox((90, 70, 20, 20), invalid=True),
            FaceBox((50, 40, 0, 15)),
        ]),
        FaceImage('b.png', 'list.txt', 5),
    ]
    coco = build_face_coco(images, tmp_path, {'description': 'd', 'split': 's'},
                           annotated=False)
    assert coco['images'] == [
        {'id': 1, 'file_name': 'a.png', 'width': 100, 'height': 80, 'event': 'e'},
        {'id': 2, 'file_name': 'b.png', 'width': 60, 'height': 40}]
    anns = coco['annotations']
    # The format's fields surround the common ones in a fixed order.
    assert list(anns[0]) == ['id', 'image_id', 'category_id', 'h', 'bbox', 'area',
                             'iscrowd', 'flags', 't']
    assert [(a['id'], a['image_id'], a['category_id']) for a in anns] == [
        (1, 1, 1), (2, 1, 1), (3, 1, 1)]
    assert [a['bbox'] for a in anns] == [[10, 10, 20, 30], [90, 70, 10, 10],
                                         [50, 40, 0, 15]]
    assert [a['area'] for a in anns] == [600, 100, 0]
    assert [a['flags'] for a in anns] == [[], ['invalid', 'out_of_image'],
                                          ['zero_size']]
    assert [a['iscrowd'] for a in anns] == [0, 1, 1]
    assert coco['categories'] == [{'id': 1, 'name': 'face'}]
    assert list(coco['info']) == ['description', 'split', 'summary']
    assert coco['info']['summary'] == {
        'images': 2, 'annotated': False, 'faces': 3, 'empty_images': 1,
        'face_lines_read': 3, 'annotations_written': 3,
        'flagged': {'invalid': 1, 'zero_size': 1, 'out_of_image': 1},
        'ignored_iscrowd': 2}

    clip_only = build_face_coco(images[1:], tmp_path, {},
                                flag_names=CLIP_FLAG_NAMES)
    assert clip_only['info']['summary']['flagged'] == {'zero_size': 0,
                                                       'out_of_image': 0}


def test_missing_image_names_list_and_line(tmp_path: Path) -> None:
    images = [FaceImage('missing.png', 'list.txt', 7)]
    with pytest.raises(NoImageError,
                       match='^list.txt:7: image not found: .*missing.png$'):
        build_face_coco(images, tmp_path, {}, error_cls=NoImageError)
