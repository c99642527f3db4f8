"""FDDB's ellipse folds to a COCO JSON.

Each face becomes a COCO annotation with ``"ellipse": [ra, rb, theta, cx, cy]``
and, as ``"bbox"``, the ellipse's tight axis-aligned box clipped to the image
(flags and ``iscrowd`` as in ``docs/wider_face_coco_format.md``); each image
records its ``"fold"``. The fold files are read by
:mod:`mmfacerfcn.data_formats.fddb_ellipses`.
"""
import math
from pathlib import Path
from typing import Optional, Sequence, Tuple

from ..utils.input_files import PathLike
from .face_coco import CLIP_FLAG_NAMES, FaceBox, FaceImage, build_face_coco
from .fddb_ellipses import IMAGES_DIR, FddbFormatError, read_fddb


def ellipse_to_bbox(ra: float, rb: float, theta: float, cx: float,
                    cy: float) -> Tuple[float, float, float, float]:
    """The tight axis-aligned box of a rotated ellipse.

    For semi-axes ``ra`` (at angle ``theta`` to the x axis) and ``rb``, the
    extent is exact: half-width ``sqrt(ra² cos²θ + rb² sin²θ)`` and half-height
    ``sqrt(ra² sin²θ + rb² cos²θ)``.

    Args:
        ra (float): Major-axis radius.
        rb (float): Minor-axis radius.
        theta (float): Angle of the major axis in radians.
        cx (float): Centre x.
        cy (float): Centre y.

    Returns:
        tuple[float, float, float, float]: ``(x, y, w, h)``.
    """
    cos, sin = math.cos(theta), math.sin(theta)
    half_w = math.hypot(ra * cos, rb * sin)
    half_h = math.hypot(ra * sin, rb * cos)
    return cx - half_w, cy - half_h, 2 * half_w, 2 * half_h


def convert_fddb(root: PathLike,
                 folds: Optional[Sequence[int]] = None,
                 progress: bool = False) -> dict:
    """Convert FDDB folds to a COCO dict.

    Args:
        root (str | PathLike): ``FDDB_ROOT`` with ``FDDB-folds/`` and
            ``originalPics/``.
        folds (Sequence[int], optional): Fold ids to convert; all when None.
        progress (bool): Show mmengine's progress bar while reading images.

    Returns:
        dict: ``info`` (with ``summary``, which lists the ``folds``),
        ``images`` (with ``fold``), ``annotations`` (with ``ellipse``,
        ``bbox``, ``flags``, ``iscrowd``) and ``categories``.

    Raises:
        FddbFormatError: Malformed or missing fold files or images, or an
            image listed twice.
    """
    images = read_fddb(root, folds)
    entries = [
        FaceImage(file_name=f'{image.path}.jpg', source=image.source,
                  line=image.line, fields={'fold': image.fold},
                  faces=[FaceBox(bbox=ellipse_to_bbox(*ellipse),
                                 head={'ellipse': list(ellipse)})
                         for ellipse in image.ellipses])
        for image in images
    ]
    coco = build_face_coco(
        entries, Path(root) / IMAGES_DIR,
        {'description': 'FDDB in COCO format (mmfacerfcn)'},
        flag_names=CLIP_FLAG_NAMES, error_cls=FddbFormatError,
        progress=progress)
    coco['info']['summary']['folds'] = sorted({image.fold for image in images})
    return coco
