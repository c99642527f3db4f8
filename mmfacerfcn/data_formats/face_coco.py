"""Faces in the COCO JSON of ``docs/wider_face_coco_format.md``: one loop for
every source format.

The WIDER FACE and FDDB converters turn their parsed lists into
:class:`FaceImage` entries and call :func:`build_face_coco`, which reads each
image's size, clips each box to the image, flags and ignores
(``iscrowd=1``) what cannot be trained on, and counts what it did.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple, Type

import mmengine

from ..utils.input_files import PathLike
from .annotation_files import AnnotationFormatError, read_image_size

FACE_CATEGORY = {'id': 1, 'name': 'face'}
# Why an annotation is flagged, in the order its "flags" list them.
FLAG_NAMES = ('invalid', 'zero_size', 'out_of_image')
# The flags clip_box gives; a format without an "invalid" mark has only these.
CLIP_FLAG_NAMES = FLAG_NAMES[1:]


@dataclass
class FaceBox:
    """One face of a source list, as :func:`build_face_coco` writes it.

    Attributes:
        bbox (Sequence[float]): The face's ``x, y, w, h`` box before clipping.
        invalid (bool): The annotators marked it invalid (flagged and
            ignored).
        head (dict): Format fields written before ``"bbox"`` (e.g. WIDER's
            ``face_index`` and ``wider_bbox``, FDDB's ``ellipse``).
        tail (dict): Format fields written after ``"flags"`` (e.g. WIDER's
            ``attributes`` and ``subsets``).
    """

    bbox: Sequence[float]
    invalid: bool = False
    head: Dict[str, Any] = field(default_factory=dict)
    tail: Dict[str, Any] = field(default_factory=dict)


@dataclass
class FaceImage:
    """One image of a source list, as :func:`build_face_coco` writes it.

    Attributes:
        file_name (str): Path relative to the image folder, as in the JSON.
        source (str): The list file naming it (for error messages).
        line (int): 1-based line of its path in ``source``.
        fields (dict): Format fields written after ``"height"`` (WIDER's
            ``event``, FDDB's ``fold``).
        faces (list[FaceBox]): Its faces, in list order.
    """

    file_name: str
    source: str
    line: int
    fields: Dict[str, Any] = field(default_factory=dict)
    faces: List[FaceBox] = field(default_factory=list)


def clip_box(bbox: Sequence[float], width: int,
             height: int) -> Tuple[List[float], List[str], bool]:
    """Clip an ``x, y, w, h`` box to the image and say why it is flagged.

    Args:
        bbox (Sequence[float]): The raw box ``x, y, w, h``.
        width (int): Image width.
        height (int): Image height.

    Returns:
        tuple: ``(clipped, flags, empty)`` where ``clipped`` is the box
        ``[x, y, w, h]`` inside ``[0, width] x [0, height]``, ``flags`` lists
        ``"zero_size"`` (raw ``w`` or ``h`` <= 0) and/or ``"out_of_image"`` (the
        box leaves the image and was clipped), and ``empty`` is True when
        nothing of the box is left inside the image.
    """
    x, y, w, h = bbox
    flags = []
    if w <= 0 or h <= 0:
        flags.append('zero_size')
    x1, y1 = min(max(x, 0), width), min(max(y, 0), height)
    x2, y2 = min(max(x + w, 0), width), min(max(y + h, 0), height)
    clipped = [x1, y1, max(x2 - x1, 0), max(y2 - y1, 0)]
    if w > 0 and h > 0 and clipped != [x, y, w, h]:
        flags.append('out_of_image')
    empty = clipped[2] <= 0 or clipped[3] <= 0
    return clipped, flags, empty


def build_face_coco(
        images: Sequence[FaceImage],
        image_root: PathLike,
        info: Dict[str, Any],
        annotated: bool = True,
        flag_names: Sequence[str] = FLAG_NAMES,
        error_cls: Type[AnnotationFormatError] = AnnotationFormatError,
        progress: bool = False,
) -> dict:
    """Build the COCO dict of ``docs/wider_face_coco_format.md``.

    Image and annotation ids count from 1 in list order. A face is flagged
    ``"invalid"`` (when marked so), ``"zero_size"`` and/or ``"out_of_image"``
    (see :func:`clip_box`) and ignored (``iscrowd=1``) when invalid, of zero
    size or wholly outside its image.

    Args:
        images (Sequence[FaceImage]): The images with their faces.
        image_root (str | PathLike): The folder ``file_name`` is relative
            to; every image there is decoded for its size.
        info (dict): The ``"info"`` fields (``description``, ...); the
            counts are added as ``info["summary"]``.
        annotated (bool): Whether the list has faces (False for WIDER's
            test split); recorded in the summary.
        flag_names (Sequence[str]): The flags the format can give, counted
            in the summary (:data:`CLIP_FLAG_NAMES` for a format without an
            "invalid" mark).
        error_cls (type): :class:`AnnotationFormatError` subclass raised for
            a missing or damaged image.
        progress (bool): Show mmengine's progress bar while reading images.

    Returns:
        dict: ``info`` (with ``summary``: images, faces, empty images, face
        lines read, annotations written, flagged and ignored counts),
        ``images``, ``annotations`` and ``categories``.

    Raises:
        AnnotationFormatError: A missing or damaged image, naming the list
            file and line.
    """
    image_root = Path(image_root)
    coco_images, annotations = [], []
    flagged = dict.fromkeys(flag_names, 0)
    num_ignored = num_empty = 0
    entries = mmengine.track_iter_progress(list(images)) if progress else images
    for image_id, image in enumerate(entries, start=1):
        width, height = read_image_size(image_root / image.file_name,
                                        image.source, image.line, error_cls)
        coco_images.append({
            'id': image_id,
            'file_name': image.file_name,
            'width': width,
            'height': height,
            **image.fields,
        })
        num_empty += not image.faces
        for face in image.faces:
            clipped, flags, empty = clip_box(face.bbox, width, height)
            if face.invalid:
                flags.insert(0, 'invalid')
            for flag in flags:
                flagged[flag] += 1
            iscrowd = int(face.invalid or 'zero_size' in flags or empty)
            num_ignored += iscrowd
            annotations.append({
                'id': len(annotations) + 1,
                'image_id': image_id,
                'category_id': FACE_CATEGORY['id'],
                **face.head,
                'bbox': clipped,
                'area': clipped[2] * clipped[3],
                'iscrowd': iscrowd,
                'flags': flags,
                **face.tail,
            })
    summary = {
        'images': len(coco_images),
        'annotated': annotated,
        'faces': len(annotations),
        'empty_images': num_empty,
        # Counted from the parsed lists, not from the loop above: the
        # converters compare it with the annotations of the JSON they write.
        'face_lines_read': sum(len(image.faces) for image in images),
        'annotations_written': len(annotations),
        'flagged': flagged,
        'ignored_iscrowd': num_ignored,
    }
    return {
        'info': {**info, 'summary': summary},
        'images': coco_images,
        'annotations': annotations,
        'categories': [dict(FACE_CATEGORY)],
    }

