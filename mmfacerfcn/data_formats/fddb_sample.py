"""The embedded sample's val split in FDDB's layout: ellipses around its faces.

``make_fddb_sample`` reads the WIDER look-alike written by
:func:`mmfacerfcn.data_formats.wider_sample.make_wider_sample` (its
``wider_face_val_bbx_gt.txt`` and ``WIDER_val/images/``) and writes::

    OUT_ROOT/originalPics/sample/<event>/<name>.jpg      (byte-for-byte copies)
    OUT_ROOT/FDDB-folds/FDDB-fold-XX.txt                 (image paths)
    OUT_ROOT/FDDB-folds/FDDB-fold-XX-ellipseList.txt     (ellipses)

so that :mod:`mmfacerfcn.data_formats.fddb_ellipses`, ``fddb_to_coco.py`` and
the FDDB metric read it exactly as they read FDDB. The FDDB path of an image
is ``sample/<event>/<name>``; images are dealt round-robin, in gt-file order,
into the folds (image ``i``, counted from 0, goes to fold ``i % num_folds +
1``).

Which faces become ellipses, in this order:

1. ``invalid == 1`` faces are left out (``skipped_invalid``): FDDB has no
   such mark, a face is annotated or not.
2. The box is clipped to the image, ``[0, width] x [0, height]`` (the rule of
   :func:`mmfacerfcn.data_formats.face_coco.clip_box`, which the WIDER
   converter applies): a few sample faces leave the right or bottom border.
   The ellipse is drawn around the visible part, so that it lies inside the
   image and its tight box is the box the WIDER converter writes
   (``clipped`` counts these faces).
3. Faces whose clipped box is lower than ``min_face`` pixels (or has no width
   left) are left out (``skipped_small``): FDDB annotates faces of about 20
   pixels and more only.

Each kept face becomes the ellipse whose tight axis-aligned box (as
:func:`mmfacerfcn.data_formats.fddb_coco.ellipse_to_bbox` computes it) is its
clipped box ``x, y, w, h``: centre ``(x + w / 2, y + h / 2)``, and

* ``h >= w``: major radius ``h / 2`` along the vertical, angle ``+pi/2``,
  minor radius ``w / 2``: FDDB's faces are upright ellipses, its angles
  mostly about +1.4..+1.6 rad (the box does not depend on the sign);
* ``w > h``: major radius ``w / 2`` along the horizontal, angle ``0``, minor
  radius ``h / 2`` (the major radius is never the smaller one).

Radii and centres are multiples of 0.5 px and are written exactly with 6
decimals, the angle with 10 (its cosine then moves the box by far less than
1e-6 px). An image with no face left is listed with count ``0`` (the fold
parser accepts it; FDDB itself has none). The output is identical byte for
byte for the same input and arguments.
"""
import math
import re
import shutil
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from ..utils.input_files import PathLike
from .annotation_files import read_image_size
from .fddb_ellipses import FOLD_FILE, FOLDS_DIR, IMAGES_DIR, FddbFormatError
from .wider_face_txt import GT_FILES, SPLIT_DIR, WiderFormatError, parse_wider_gt

#: The FDDB path prefix of the sample's images, ``sample/<event>/<name>``.
SAMPLE_PREFIX = 'sample'
#: The image list of a fold, next to its ellipse list.
FOLD_LIST_FILE = 'FDDB-fold-{:02d}.txt'
_ANY_FOLD_FILE_RE = re.compile(r'^FDDB-fold-(\d+)(-ellipseList)?\.txt$')

Ellipse = Tuple[float, float, float, float, float]


def box_to_ellipse(x: float, y: float, w: float, h: float) -> Ellipse:
    """The FDDB ellipse ``(ra, rb, theta, cx, cy)`` whose tight box is a box.

    Args:
        x (float): Box left.
        y (float): Box top.
        w (float): Box width (> 0).
        h (float): Box height (> 0).

    Returns:
        tuple: ``(ra, rb, theta, cx, cy)`` with ``ra >= rb``: vertical major
        axis (``theta = pi/2``) when ``h >= w``, horizontal (``theta = 0``)
        otherwise.
    """
    cx, cy = x + w / 2, y + h / 2
    if h >= w:
        return h / 2, w / 2, math.pi / 2, cx, cy
    return w / 2, h / 2, 0.0, cx, cy


def format_ellipse(ellipse: Ellipse) -> str:
    """One ellipse line, ``ra rb theta cx cy  1`` as in FDDB's files."""
    ra, rb, theta, cx, cy = ellipse
    return f'{ra:.6f} {rb:.6f} {theta:.10f} {cx:.6f} {cy:.6f}  1'


def _clip(box: Sequence[int], width: int,
          height: int) -> Tuple[float, float, float, float]:
    """``x, y, w, h`` clipped to ``[0, width] x [0, height]`` (as
    ``face_coco.clip_box``, which imports mmengine)."""
    x, y, w, h = box
    x1, y1 = min(max(x, 0), width), min(max(y, 0), height)
    x2, y2 = min(max(x + w, 0), width), min(max(y + h, 0), height)
    return x1, y1, max(x2 - x1, 0), max(y2 - y1, 0)


def _check_no_other_folds(folds_dir: Path, num_folds: int) -> None:
    """Refuse an output whose ``FDDB-folds/`` holds fold files this run
    would not overwrite: ``read_fddb`` would read them as part of the set."""
    if not folds_dir.is_dir():
        return
    for path in sorted(folds_dir.iterdir()):
        match = _ANY_FOLD_FILE_RE.match(path.name)
        if match and not 1 <= int(match.group(1)) <= num_folds:
            raise FddbFormatError(
                path, None, f'left from another run: this run writes folds '
                f'1..{num_folds} only; remove it or choose another output')


def make_fddb_sample(wider_root: PathLike,
                     out_root: PathLike,
                     num_folds: int = 2,
                     min_face: float = 20) -> Dict[str, object]:
    """Write the WIDER sample's val split in FDDB's layout.

    Args:
        wider_root (str | PathLike): The WIDER sample (``WIDER_ROOT`` with
            ``wider_face_split/wider_face_val_bbx_gt.txt`` and
            ``WIDER_val/images/``).
        out_root (str | PathLike): ``FDDB_ROOT`` to write (created).
        num_folds (int): Number of folds, 1 to the number of val images.
        min_face (float): Smallest clipped box height, in pixels, that
            becomes an ellipse.

    Returns:
        dict: ``images`` (all listed), ``faces`` (ellipses written),
        ``skipped_invalid``, ``skipped_small``, ``clipped`` (ellipses around
        a box clipped to its image), ``empty_images`` (listed with count 0),
        ``folds`` (the fold ids) and ``images_per_fold``.

    Raises:
        WiderFormatError: The WIDER sample's gt file is missing or malformed,
            or an image it names is missing or damaged (naming the file).
        FddbFormatError: ``OUT_ROOT/FDDB-folds/`` holds fold files of
            another number of folds.
        ValueError: ``num_folds`` below 1 or above the number of images, or
            a negative ``min_face``.
    """
    wider_root, out_root = Path(wider_root), Path(out_root)
    gt_file = wider_root / SPLIT_DIR / GT_FILES['val']
    if not gt_file.is_file():
        raise WiderFormatError(
            gt_file, None, 'file not found: no WIDER sample here; generate it '
            'with tools/dataset_converters/make_wider_sample.py (or '
            'tools/prepare_sample.sh)')
    if isinstance(num_folds, bool) or not isinstance(num_folds, int) \
            or num_folds < 1:
        raise ValueError(f'num_folds must be a positive integer, got '
                         f'{num_folds!r}')
    if not min_face >= 0:
        raise ValueError(f'min_face must be >= 0, got {min_face!r}')
    images = parse_wider_gt(gt_file)
    if num_folds > len(images):
        raise ValueError(
            f'{gt_file}: {len(images)} images cannot fill {num_folds} folds '
            '(a fold file without image is not FDDB)')
    image_dir = wider_root / 'WIDER_val' / 'images'
    folds_dir = out_root / FOLDS_DIR
    _check_no_other_folds(folds_dir, num_folds)

    counts = dict.fromkeys(
        ('faces', 'skipped_invalid', 'skipped_small', 'clipped',
         'empty_images'), 0)
    fold_lists: List[List[str]] = [[] for _ in range(num_folds)]
    fold_ellipses: List[List[str]] = [[] for _ in range(num_folds)]
    for index, image in enumerate(images):
        source = image_dir / image.file_name
        width, height = read_image_size(source, gt_file, image.line,
                                        WiderFormatError)
        fddb_path = f'{SAMPLE_PREFIX}/{Path(image.file_name).with_suffix("")}'
        target = out_root / IMAGES_DIR / f'{fddb_path}.jpg'
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        lines = []
        for face in image.faces:
            if face.attributes['invalid']:
                counts['skipped_invalid'] += 1
                continue
            box = _clip(face.bbox, width, height)
            if box[3] < min_face or box[2] <= 0:
                counts['skipped_small'] += 1
                continue
            counts['clipped'] += box != tuple(face.bbox)
            lines.append(format_ellipse(box_to_ellipse(*box)))
        counts['faces'] += len(lines)
        counts['empty_images'] += not lines
        fold = index % num_folds
        fold_lists[fold].append(fddb_path)
        fold_ellipses[fold] += [fddb_path, str(len(lines))] + lines
    folds_dir.mkdir(parents=True, exist_ok=True)
    for fold in range(num_folds):
        # Bytes, not text: '\n' line ends on every platform.
        (folds_dir / FOLD_LIST_FILE.format(fold + 1)).write_bytes(''.join(
            f'{path}\n' for path in fold_lists[fold]).encode())
        (folds_dir / FOLD_FILE.format(fold + 1)).write_bytes(''.join(
            f'{line}\n' for line in fold_ellipses[fold]).encode())
    return {
        'images': len(images),
        **counts,
        'folds': list(range(1, num_folds + 1)),
        'images_per_fold': [len(paths) for paths in fold_lists],
    }
