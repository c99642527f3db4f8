"""WIDER FACE's text lists: ``wider_face_{train,val}_bbx_gt.txt`` and
``wider_face_test_filelist.txt``.

A gt file holds per image its path ``<event>/<name>.jpg``, a face count ``N``
and ``N`` face lines ``x y w h blur expression illumination invalid occlusion
pose``; an image without faces has ``0`` and one dummy line of zeros. The test
file list holds one path a line. The val ``.mat`` files are read by
:mod:`mmfacerfcn.evaluation.functional.wider_face_gt`, the COCO JSON is built
by :mod:`mmfacerfcn.data_formats.wider_face_coco`.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

from ..utils.input_files import PathLike, read_text_lines
from .annotation_files import (
    AnnotationFormatError,
    check_image_path_inside,
    read_face_count,
)

SPLITS = ('train', 'val', 'test')
# Column order of a face line in wider_face_{train,val}_bbx_gt.txt.
ATTRIBUTE_NAMES = ('blur', 'expression', 'illumination', 'invalid', 'occlusion',
                   'pose')
NUM_FACE_FIELDS = 4 + len(ATTRIBUTE_NAMES)

SPLIT_DIR = 'wider_face_split'
GT_FILES = {
    'train': 'wider_face_train_bbx_gt.txt',
    'val': 'wider_face_val_bbx_gt.txt',
}
TEST_FILELIST = 'wider_face_test_filelist.txt'

# "<event>/<name>.jpg": exactly one folder level, as in the official lists.
_IMAGE_PATH_RE = re.compile(r'^[^/\s]+/[^/\s]+\.(jpg|jpeg|png)$', re.IGNORECASE)
# Face fields are ASCII integers: int() would also take '²', '٣' or '1_0'.
_INT_RE = re.compile(r'[+-]?[0-9]+')


class WiderFormatError(AnnotationFormatError):
    """A WIDER FACE file (gt txt, file list, .mat, image) that cannot be used."""


@dataclass(frozen=True)
class WiderFace:
    """One face line of a gt txt file.

    Attributes:
        bbox (tuple[int, int, int, int]): The raw ``x, y, w, h`` as written.
        attributes (dict[str, int]): The six attribute columns by name.
        line (int): 1-based line number in the gt file.
    """

    bbox: Tuple[int, int, int, int]
    attributes: Dict[str, int]
    line: int


@dataclass
class WiderImage:
    """One image entry of a gt txt file or of the test file list.

    Attributes:
        file_name (str): ``"<event>/<name>.jpg"``.
        source (str): The list file it was read from (for error messages).
        line (int): 1-based line number of the image path in ``source``.
        faces (list[WiderFace]): Its faces, in file order (empty for test).
    """

    file_name: str
    source: str
    line: int
    faces: List[WiderFace] = field(default_factory=list)

    @property
    def event(self) -> str:
        """str: The event folder, e.g. ``"0--Parade"``."""
        return self.file_name.split('/', 1)[0]


def _parse_image_path(path: Path, line_no: int, text: str) -> str:
    """Check an ``<event>/<name>.jpg`` line and return it stripped."""
    name = text.strip()
    check_image_path_inside(path, line_no, name, 'WIDER_<split>/images',
                            WiderFormatError)
    if not _IMAGE_PATH_RE.match(name):
        raise WiderFormatError(
            path, line_no, f"expected an image path '<event>/<name>.jpg', got "
            f'{text!r}')
    return name


def _parse_face_values(path: Path, line_no: int, text: str) -> List[int]:
    """Parse one ``x y w h blur expression illumination invalid occlusion pose``
    line into its 10 integers."""
    tokens = text.split()
    if len(tokens) != NUM_FACE_FIELDS:
        raise WiderFormatError(
            path, line_no, f'expected {NUM_FACE_FIELDS} integers, got '
            f'{len(tokens)} fields: {text!r}')
    for token in tokens:
        if not _INT_RE.fullmatch(token):
            raise WiderFormatError(
                path, line_no,
                f'expected {NUM_FACE_FIELDS} integers, got {token!r}')
    return [int(token) for token in tokens]


def parse_wider_gt(gt_file: PathLike) -> List[WiderImage]:
    """Parse ``wider_face_{train,val}_bbx_gt.txt``.

    Per image the file holds the path line, a count line ``N`` and ``N`` face
    lines; an image without faces has ``0`` followed by one dummy line of ten
    zeros, which is consumed and yields no face.

    Args:
        gt_file (str | PathLike): Path of the gt txt file.

    Returns:
        list[WiderImage]: The images in file order, each with its faces.

    Raises:
        WiderFormatError: With the file and line of the first problem: missing
            file, a path line that is not ``<event>/<name>.jpg`` or that would
            leave the image folder (absolute, or with ``..``), a duplicate
            image, a count that is not a non-negative integer or that does not
            match the face lines that follow, a face line with another number of
            fields than 10 or with a non-integer field, or a count of 0 not
            followed by the dummy line of zeros.
    """
    path = Path(gt_file)
    lines = read_text_lines(path, WiderFormatError)
    images: List[WiderImage] = []
    seen: Dict[str, int] = {}
    i = 0
    while i < len(lines):
        path_line = i + 1
        if len(lines[i].split()) == NUM_FACE_FIELDS and images:
            # A face line where an image path belongs: the previous count is short.
            prev = images[-1]
            raise WiderFormatError(
                path, path_line,
                f'expected an image path, got a face line {lines[i]!r}: the count '
                f'at line {prev.line + 1} ({len(prev.faces)}) is smaller than the '
                f'number of face lines of {prev.file_name}')
        file_name = _parse_image_path(path, path_line, lines[i])
        if file_name in seen:
            raise WiderFormatError(
                path, path_line,
                f'duplicate image {file_name!r} (first at line {seen[file_name]})')
        seen[file_name] = path_line
        count = read_face_count(lines, path, path_line, file_name,
                                WiderFormatError)
        count_line = i = path_line + 1
        image = WiderImage(file_name=file_name, source=str(path), line=path_line)
        if count == 0:
            # The official files write one dummy face line of zeros after a 0
            # count; it must be consumed, not read as a face or an image path.
            if i >= len(lines) or _IMAGE_PATH_RE.match(lines[i].strip()):
                raise WiderFormatError(
                    path, count_line,
                    f'count 0 of {file_name} must be followed by the dummy line '
                    f'"{" ".join(["0"] * NUM_FACE_FIELDS)}"')
            if any(_parse_face_values(path, i + 1, lines[i])):
                raise WiderFormatError(
                    path, i + 1,
                    f'count 0 of {file_name} must be followed by the dummy line of '
                    f'zeros, got {lines[i]!r}')
            i += 1
        for k in range(count):
            if i >= len(lines):
                raise WiderFormatError(
                    path, len(lines),
                    f'count {count} at line {count_line} but the file ends after '
                    f'{k} face lines of {file_name}')
            if _IMAGE_PATH_RE.match(lines[i].strip()):
                raise WiderFormatError(
                    path, i + 1,
                    f'count {count} at line {count_line} but only {k} face lines '
                    f'of {file_name} follow before the next image path')
            values = _parse_face_values(path, i + 1, lines[i])
            image.faces.append(
                WiderFace(
                    bbox=tuple(values[:4]),
                    attributes=dict(zip(ATTRIBUTE_NAMES, values[4:])),
                    line=i + 1))
            i += 1
        images.append(image)
    if not images:
        raise WiderFormatError(path, None, 'no image in file')
    return images


def parse_wider_filelist(list_file: PathLike) -> List[WiderImage]:
    """Parse ``wider_face_test_filelist.txt`` (one ``<event>/<name>.jpg`` a line).

    Args:
        list_file (str | PathLike): Path of the file list.

    Returns:
        list[WiderImage]: The images in file order, without faces.

    Raises:
        WiderFormatError: Missing or empty file, a malformed or duplicate
            path, or one that would leave the image folder.
    """
    path = Path(list_file)
    images = []
    seen: Dict[str, int] = {}
    for line_no, text in enumerate(read_text_lines(path, WiderFormatError),
                                   start=1):
        file_name = _parse_image_path(path, line_no, text)
        if file_name in seen:
            raise WiderFormatError(
                path, line_no,
                f'duplicate image {file_name!r} (first at line {seen[file_name]})')
        seen[file_name] = line_no
        images.append(WiderImage(file_name=file_name, source=str(path),
                                 line=line_no))
    if not images:
        raise WiderFormatError(path, None, 'no image in file')
    return images
