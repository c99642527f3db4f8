"""Read the official WIDER FACE annotation files and build the COCO JSON.

The JSON layout is the contract in ``docs/wider_face_coco_format.md``; the
training dataset (mmdet ``CocoDataset``) and ``WiderFaceMetric`` both read it, so
the field names here must follow that document.

This module imports neither mmdet nor the rest of :mod:`mmfacerfcn` (only the
base-layer helpers of :mod:`mmfacerfcn.utils`), so it can be loaded and tested
on its own (``mmfacerfcn/__init__.py`` imports mmdet).

Typical use (what ``data_converters/wider_face_to_coco.py`` does)::

    coco = convert_wider('data/WIDERFace', 'val')
    print(format_summary(coco['info']['summary']))
    dump_json_atomic(coco, 'data/WIDERFace/annotations/wider_face_val.json')
"""
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

import mmengine
from PIL import Image

from ..utils.input_files import (
    InputFileError,
    load_image_fully,
    load_mat,
    read_text_lines,
)
from ..utils.output_paths import (
    OutputPathError,
    check_output_not_input,
    check_output_writable,
    escape_reason,
    write_atomic,
)

PathLike = Union[str, os.PathLike]

SPLITS = ('train', 'val', 'test')
# Column order of a face line in wider_face_{train,val}_bbx_gt.txt.
ATTRIBUTE_NAMES = ('blur', 'expression', 'illumination', 'invalid', 'occlusion',
                   'pose')
SUBSET_NAMES = ('easy', 'medium', 'hard')
FLAG_NAMES = ('invalid', 'zero_size', 'out_of_image')
NUM_FACE_FIELDS = 4 + len(ATTRIBUTE_NAMES)

SPLIT_DIR = 'wider_face_split'
GT_FILES = {
    'train': 'wider_face_train_bbx_gt.txt',
    'val': 'wider_face_val_bbx_gt.txt',
}
TEST_FILELIST = 'wider_face_test_filelist.txt'
MAT_DIR = 'eval_tools/ground_truth'
VAL_MAT = 'wider_face_val.mat'
SUBSET_MATS = {name: f'wider_{name}_val.mat' for name in SUBSET_NAMES}
FACE_CATEGORY = {'id': 1, 'name': 'face'}

# "<event>/<name>.jpg": exactly one folder level, as in the official lists.
_IMAGE_PATH_RE = re.compile(r'^[^/\s]+/[^/\s]+\.(jpg|jpeg|png)$', re.IGNORECASE)
# Counts and face fields are ASCII integers: int() and str.isdigit() would
# also take '²', '٣' or '1_0'.
_COUNT_RE = re.compile(r'[0-9]+')
_INT_RE = re.compile(r'[+-]?[0-9]+')


class AnnotationFormatError(InputFileError):
    """An annotation file (or an image it names) that does not follow its
    format; the message is ``file:line: message`` (see
    :class:`~mmfacerfcn.utils.input_files.InputFileError`)."""


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


@dataclass
class WiderValSubsets:
    """The official Easy/Medium/Hard membership read from the eval .mat files.

    Attributes:
        num_faces (dict[str, int]): Faces per image in ``wider_face_val.mat``,
            keyed by ``"<event>/<name>.jpg"``.
        members (dict[str, dict[str, frozenset[int]]]): For each subset name,
            per image, the 0-based face indices in that subset's ``gt_list``.
        files (dict[str, str]): The .mat path each entry came from, by
            ``"val"`` and subset name (for error messages).
    """

    num_faces: Dict[str, int]
    members: Dict[str, Dict[str, FrozenSet[int]]]
    files: Dict[str, str]


def check_image_path_inside(path: Path, line_no: int, name: str,
                            folder: str, error_cls: type) -> None:
    """Refuse an image path of a list file that would leave the image folder.

    Args:
        path (Path): The list file, for the error.
        line_no (int): 1-based line of ``name`` in ``path``.
        name (str): The image path as written (relative to ``folder``).
        folder (str): The image folder it is joined to, for the error.
        error_cls (type): :class:`AnnotationFormatError` subclass to raise.

    Raises:
        AnnotationFormatError: ``file:line: image path ... is an absolute
            path`` (or ``has a '..' component``).
    """
    reason = escape_reason(name)
    if reason is not None:
        raise error_cls(
            path, line_no, f'image path {name!r} {reason}: images must lie '
            f'inside {folder}')


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


def read_face_count(lines: List[str], path: Path, path_line: int, name: str,
                    error_cls: type) -> int:
    """The face count on the line after an image's path line.

    WIDER's gt files and FDDB's ellipse lists share this layout: an image
    path, a count, then that many face lines.

    Args:
        lines (list[str]): The file's lines.
        path (Path): The file, for error messages.
        path_line (int): 1-based line number of the image path.
        name (str): The image, for error messages.
        error_cls (type): :class:`AnnotationFormatError` subclass to raise.

    Returns:
        int: The count, read from line ``path_line + 1``.
    """
    count_line = path_line + 1
    if count_line > len(lines):
        raise error_cls(path, path_line,
                        f'file ends before the face count of {name}')
    count_text = lines[count_line - 1].strip()
    if not _COUNT_RE.fullmatch(count_text):
        raise error_cls(
            path, count_line,
            f'expected a face count (non-negative integer), got {count_text!r}')
    return int(count_text)


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


def _load_mat(path: Path, keys: Sequence[str]) -> dict:
    """Load a MATLAB file and check that it holds ``keys``."""
    mat = load_mat(path, error_cls=WiderFormatError)
    missing = [key for key in keys if key not in mat]
    if missing:
        raise WiderFormatError(path, None, f'missing variable(s) {missing}')
    return mat


def _mat_cells(path: Path, mat: dict, key: str) -> Dict[str, object]:
    """Map ``"<event>/<name>.jpg"`` to the per-image cell of ``mat[key]``.

    The official cells are ``mat[key][e][0][i][0]`` for event ``e`` and image
    ``i``, with names in ``event_list[e][0][0]`` and ``file_list[e][0][i][0][0]``.
    """
    cells = {}
    try:
        events, files, values = mat['event_list'], mat['file_list'], mat[key]
        if len(events) != len(files) or len(events) != len(values):
            raise ValueError('event_list, file_list and '
                             f'{key} have different lengths')
        for e in range(len(events)):
            event = str(events[e][0][0])
            names, per_image = files[e][0], values[e][0]
            if len(names) != len(per_image):
                raise ValueError(f'event {event}: file_list and {key} have '
                                 'different lengths')
            for i in range(len(names)):
                cells[f'{event}/{names[i][0][0]}.jpg'] = per_image[i][0]
    except (IndexError, TypeError, ValueError) as err:
        raise WiderFormatError(
            path, None, f'unexpected structure of {key!r}: {err}') from err
    return cells


def read_wider_val_subsets(gt_dir: PathLike) -> WiderValSubsets:
    """Read ``wider_face_val.mat`` and ``wider_{easy,medium,hard}_val.mat``.

    Args:
        gt_dir (str | PathLike): The ``eval_tools/ground_truth`` folder.

    Returns:
        WiderValSubsets: Faces per image and the subsets' 0-based face indices.

    Raises:
        WiderFormatError: A missing or unreadable file, an unexpected structure,
            or a ``gt_list`` index outside the image's faces.
    """
    gt_dir = Path(gt_dir)
    val_path = gt_dir / VAL_MAT
    val_mat = _load_mat(val_path, ('event_list', 'file_list', 'face_bbx_list'))
    num_faces = {}
    for name, boxes in _mat_cells(val_path, val_mat, 'face_bbx_list').items():
        # An image without face may be stored as a 0x0 or 0x4 array.
        num_faces[name] = boxes.shape[0] if boxes.size else 0
    members: Dict[str, Dict[str, FrozenSet[int]]] = {}
    files = {'val': str(val_path)}
    for subset in SUBSET_NAMES:
        path = gt_dir / SUBSET_MATS[subset]
        files[subset] = str(path)
        mat = _load_mat(path, ('event_list', 'file_list', 'gt_list'))
        members[subset] = {}
        for name, index in _mat_cells(path, mat, 'gt_list').items():
            one_based = [int(v) for v in index.ravel()]
            bad = [v for v in one_based if not 1 <= v <= num_faces.get(name, 0)]
            if bad:
                raise WiderFormatError(
                    path, None, f'gt_list of {name} has indices {bad} outside 1..'
                    f'{num_faces.get(name, 0)} (its faces in {VAL_MAT})')
            members[subset][name] = frozenset(v - 1 for v in one_based)
    return WiderValSubsets(num_faces=num_faces, members=members, files=files)


def read_image_size(image_path: PathLike, source: PathLike,
                    line: Optional[int]) -> Tuple[int, int]:
    """Decode an image completely and return its ``(width, height)``.

    The whole image is decoded, not only its header, so that a truncated or
    damaged file is refused here rather than met in training (see
    :func:`~mmfacerfcn.utils.input_files.load_image_fully`).

    Args:
        image_path (str | PathLike): The image file.
        source (str | PathLike): The list file naming it (for the error).
        line (int, optional): Its line in ``source`` (for the error).

    Returns:
        tuple[int, int]: ``(width, height)``.

    Raises:
        AnnotationFormatError: The image is missing, not an image, or
            damaged (e.g. truncated).
    """
    try:
        return load_image_fully(image_path)
    except FileNotFoundError:
        raise AnnotationFormatError(source, line,
                                    f'image not found: {image_path}') from None
    except (OSError, Image.DecompressionBombError) as err:
        raise AnnotationFormatError(
            source, line, f'cannot read image {image_path}: {err}') from None


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


def build_wider_coco(images: Sequence[WiderImage],
                     image_root: PathLike,
                     split: str,
                     subsets: Optional[WiderValSubsets] = None,
                     progress: bool = False) -> dict:
    """Build the COCO dict of ``docs/wider_face_coco_format.md``.

    Args:
        images (Sequence[WiderImage]): Parsed gt (or test list) entries.
        image_root (str | PathLike): ``WIDER_<split>/images``; sizes are read
            from the files there.
        split (str): ``"train"``, ``"val"`` or ``"test"`` (recorded in info).
        subsets (WiderValSubsets, optional): For val, the official subsets; each
            annotation then gets ``"subsets"``.
        progress (bool): Show mmengine's progress bar while reading images.

    Returns:
        dict: ``info`` (with ``split`` and ``summary``), ``images``,
        ``annotations`` and ``categories``.

    Raises:
        WiderFormatError: A missing image (naming the list file and line), or
            an image whose faces disagree with the .mat files.
    """
    image_root = Path(image_root)
    coco_images, annotations = [], []
    flagged = dict.fromkeys(FLAG_NAMES, 0)
    subset_counts = dict.fromkeys(SUBSET_NAMES, 0)
    num_ignored = num_empty = 0
    entries = mmengine.track_iter_progress(list(images)) if progress else images
    for image_id, image in enumerate(entries, start=1):
        try:
            width, height = read_image_size(image_root / image.file_name,
                                            image.source, image.line)
        except AnnotationFormatError as err:
            raise WiderFormatError(err.file, err.line, err.message) from None
        coco_images.append({
            'id': image_id,
            'file_name': image.file_name,
            'width': width,
            'height': height,
            'event': image.event,
        })
        if subsets is not None:
            _check_against_mat(image, subsets)
        num_empty += not image.faces
        for face_index, face in enumerate(image.faces):
            clipped, flags, empty = clip_box(face.bbox, width, height)
            if face.attributes['invalid']:
                flags.insert(0, 'invalid')
            for flag in flags:
                flagged[flag] += 1
            iscrowd = int('invalid' in flags or 'zero_size' in flags or empty)
            num_ignored += iscrowd
            ann = {
                'id': len(annotations) + 1,
                'image_id': image_id,
                'category_id': FACE_CATEGORY['id'],
                'face_index': face_index,
                'wider_bbox': list(face.bbox),
                'bbox': clipped,
                'area': clipped[2] * clipped[3],
                'iscrowd': iscrowd,
                'flags': flags,
                'attributes': dict(face.attributes),
            }
            if subsets is not None:
                ann['subsets'] = {
                    name: face_index in subsets.members[name].get(
                        image.file_name, ())
                    for name in SUBSET_NAMES
                }
                for name, member in ann['subsets'].items():
                    subset_counts[name] += member
            annotations.append(ann)
    face_lines = sum(len(image.faces) for image in images)
    # Counts in must equal counts out: no face is dropped silently.
    if face_lines != len(annotations):
        raise RuntimeError(f'{face_lines} face lines read but {len(annotations)} '
                           'annotations written')
    summary = {
        'images': len(coco_images),
        'annotated': split != 'test',
        'faces': len(annotations),
        'empty_images': num_empty,
        'face_lines_read': face_lines,
        'annotations_written': len(annotations),
        'flagged': flagged,
        'ignored_iscrowd': num_ignored,
    }
    if subsets is not None:
        summary['subsets'] = subset_counts
    return {
        'info': {
            'description': f'WIDER FACE {split} split in COCO format (mmfacerfcn)',
            'split': split,
            'summary': summary,
        },
        'images': coco_images,
        'annotations': annotations,
        'categories': [dict(FACE_CATEGORY)],
    }


def _check_against_mat(image: WiderImage, subsets: WiderValSubsets) -> None:
    """Check that a val image is in the .mat files with as many faces."""
    val_mat = subsets.files['val']
    if image.file_name not in subsets.num_faces:
        raise WiderFormatError(
            val_mat, None, f'no entry for {image.file_name} '
            f'({image.source}:{image.line})')
    num_mat = subsets.num_faces[image.file_name]
    # An empty image may be stored with its dummy zero box in the .mat.
    if num_mat != len(image.faces) and not (not image.faces and num_mat == 1):
        raise WiderFormatError(
            val_mat, None, f'{image.file_name} has {num_mat} faces in '
            f'face_bbx_list but {len(image.faces)} in {image.source}:{image.line}')
    for name in SUBSET_NAMES:
        if image.file_name not in subsets.members[name]:
            raise WiderFormatError(subsets.files[name], None,
                                   f'no gt_list entry for {image.file_name}')


def convert_wider(root: PathLike, split: str, progress: bool = False) -> dict:
    """Convert one split of an official WIDER FACE tree to the COCO dict.

    Args:
        root (str | PathLike): ``WIDER_ROOT`` holding ``WIDER_<split>/images``,
            ``wider_face_split/`` and, for val, ``eval_tools/ground_truth/``.
        split (str): ``"train"``, ``"val"`` or ``"test"``.
        progress (bool): Show a progress bar while reading image sizes.

    Returns:
        dict: The COCO dict (see :func:`build_wider_coco`).

    Raises:
        WiderFormatError: Any missing or malformed input file.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    root = Path(root)
    split_dir = root / SPLIT_DIR
    if split == 'test':
        images = parse_wider_filelist(split_dir / TEST_FILELIST)
    else:
        images = parse_wider_gt(split_dir / GT_FILES[split])
    subsets = read_wider_val_subsets(root / MAT_DIR) if split == 'val' else None
    return build_wider_coco(images, root / f'WIDER_{split}' / 'images', split,
                            subsets=subsets, progress=progress)


def format_summary(summary: dict) -> str:
    """Format a converter summary (``coco['info']['summary']``) for printing.

    Args:
        summary (dict): Counts as stored by :func:`build_wider_coco` (FDDB
            summaries share the keys).

    Returns:
        str: A few human-readable lines.
    """
    flagged = ', '.join(f'{name} {count}'
                        for name, count in summary['flagged'].items())
    if summary.get('annotated', True):
        images = f"({summary['empty_images']} without face)"
    else:
        images = '(test split: images only, no annotation)'
    lines = [
        f"images: {summary['images']} {images}",
        f"faces: {summary['faces']} (face lines read {summary['face_lines_read']}"
        f" = annotations written {summary['annotations_written']}: verified)",
        f'flagged: {flagged}; ignored for training (iscrowd=1): '
        f"{summary['ignored_iscrowd']}",
    ]
    if 'subsets' in summary:
        lines.append('val subsets: ' + ', '.join(
            f'{name} {count}' for name, count in summary['subsets'].items()))
    return '\n'.join(lines)


def dump_json_atomic(obj: dict, out_file: PathLike) -> None:
    """Write ``obj`` as JSON with :func:`mmengine.dump`, all or nothing.

    See :func:`~mmfacerfcn.utils.output_paths.write_atomic`: a crash, an
    interrupt or a full disk never leaves a half-written ``out_file``.

    Args:
        obj (dict): A JSON-serialisable object.
        out_file (str | PathLike): Destination; its folder is created.

    Raises:
        OutputWriteError: ``out_file`` cannot be written, naming it.
    """
    write_atomic(out_file,
                 lambda f: mmengine.dump(obj, f, file_format='json'))


def run_conversion(convert: Callable[[], dict], out_file: PathLike,
                   title: str, input_files: Sequence[PathLike] = (),
                   input_folders: Sequence[PathLike] = ()) -> int:
    """The converters' command-line body: check, convert, write, summarise.

    Args:
        convert (callable): Returns the COCO dict; raises
            :class:`AnnotationFormatError` on malformed input.
        out_file (str | PathLike): Where the JSON goes (written atomically).
        title (str): What was converted, for the summary's first line.
        input_files (Sequence[str | PathLike]): Files ``convert`` reads.
        input_folders (Sequence[str | PathLike]): Folders whose files
            ``convert`` reads.

    Returns:
        int: Exit status: 0, or 1 after printing ``error: file:line: ...`` to
        stderr for malformed input, or for an output that would overwrite an
        input or cannot be written (checked before converting; a traceback
        would only hide the message).
    """
    try:
        check_output_not_input(out_file, input_files, input_folders)
        check_output_writable(out_file)
        coco = convert()
        dump_json_atomic(coco, out_file)
    except (AnnotationFormatError, OutputPathError) as err:
        print(f'\nerror: {err}', file=sys.stderr)
        return 1
    print(f'\n{title} -> {out_file}')
    print(format_summary(coco['info']['summary']))
    return 0

