"""One split of the official WIDER FACE tree to the COCO JSON read by mmfacerfcn.

The JSON layout is the contract in ``docs/wider_face_coco_format.md``; the
training dataset (mmdet ``CocoDataset``) and ``WiderFaceMetric`` both read it, so
the field names here must follow that document. For val, the face counts and
the official Easy/Medium/Hard membership come from the ``.mat`` files through
the evaluation's own reader
(:func:`~mmfacerfcn.evaluation.functional.wider_face_gt.load_wider_gt_mat`),
keyed ``"<event>/<name>"`` like every ground truth of the evaluation.

Typical use (what ``tools/dataset_converters/wider_face_to_coco.py`` does,
through :func:`~mmfacerfcn.data_formats.converter_cli.run_conversion`)::

    coco = convert_wider('data/WIDERFace', 'val')
    dump_json_atomic(coco, 'data/WIDERFace/annotations/wider_face_val.json')
"""
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from ..evaluation.functional.wider_face_eval import (
    WIDER_FACE_SUBSETS,
    WiderFaceImageGT,
)
from ..evaluation.functional.wider_face_gt import (
    WIDER_FACE_GT_DIR,
    WIDER_FACE_VAL_MAT,
    load_wider_gt_mat,
    wider_image_key,
)
from ..utils.input_files import PathLike
from .face_coco import FaceBox, FaceImage, build_face_coco
from .wider_face_txt import (
    GT_FILES,
    SPLIT_DIR,
    SPLITS,
    TEST_FILELIST,
    WiderFormatError,
    WiderImage,
    parse_wider_filelist,
    parse_wider_gt,
)


def check_against_val_gt(images: Sequence[WiderImage],
                         gt: Mapping[str, WiderFaceImageGT],
                         val_mat: PathLike) -> None:
    """Check that every val image is in the ``.mat`` files with as many faces.

    Args:
        images (Sequence[WiderImage]): The parsed val gt txt.
        gt (Mapping[str, WiderFaceImageGT]): The ``.mat`` ground truth, keyed
            ``"<event>/<name>"``.
        val_mat (str | PathLike): ``wider_face_val.mat``, for the errors.

    Raises:
        WiderFormatError: An image without entry in the ``.mat`` files, or
            with another number of faces there than in the gt txt.
    """
    for image in images:
        key = wider_image_key(image.file_name)
        where = f'{image.source}:{image.line}'
        if key not in gt:
            raise WiderFormatError(val_mat, None,
                                   f'no entry for {key} ({where})')
        num_mat = len(gt[key].boxes)
        # An empty image may be stored with its dummy zero box in the .mat.
        if num_mat != len(image.faces) and not (not image.faces
                                                and num_mat == 1):
            raise WiderFormatError(
                val_mat, None, f'{key} has {num_mat} faces in face_bbx_list '
                f'but {len(image.faces)} in {where}')


def _face_image(image: WiderImage,
                gt: Optional[WiderFaceImageGT]) -> FaceImage:
    """A parsed gt entry as :func:`build_face_coco` takes it."""
    faces = []
    for face_index, face in enumerate(image.faces):
        tail = {'attributes': dict(face.attributes)}
        if gt is not None:
            tail['subsets'] = {
                name: bool(gt.subsets[name][face_index])
                for name in WIDER_FACE_SUBSETS
            }
        faces.append(
            FaceBox(bbox=face.bbox,
                    invalid=bool(face.attributes['invalid']),
                    head={'face_index': face_index,
                          'wider_bbox': list(face.bbox)},
                    tail=tail))
    return FaceImage(file_name=image.file_name, source=image.source,
                     line=image.line, fields={'event': image.event},
                     faces=faces)


def build_wider_coco(images: Sequence[WiderImage],
                     image_root: PathLike,
                     split: str,
                     gt: Optional[Mapping[str, WiderFaceImageGT]] = None,
                     progress: bool = False) -> dict:
    """Build the COCO dict of ``docs/wider_face_coco_format.md``.

    Args:
        images (Sequence[WiderImage]): Parsed gt (or test list) entries.
        image_root (str | PathLike): ``WIDER_<split>/images``; sizes are read
            from the files there.
        split (str): ``"train"``, ``"val"`` or ``"test"`` (recorded in info).
        gt (Mapping[str, WiderFaceImageGT], optional): For val, the official
            ground truth, holding every image with as many faces (see
            :func:`check_against_val_gt`); each annotation then gets
            ``"subsets"`` and the summary their counts.
        progress (bool): Show mmengine's progress bar while reading images.

    Returns:
        dict: ``info`` (with ``split`` and ``summary``), ``images`` (with
        ``event``), ``annotations`` (with ``face_index``, ``wider_bbox``,
        ``attributes`` and, for val, ``subsets``) and ``categories``.

    Raises:
        WiderFormatError: A missing or damaged image, naming the list file
            and line.
    """
    entries: List[FaceImage] = [
        _face_image(image,
                    None if gt is None else gt[wider_image_key(image.file_name)])
        for image in images
    ]
    coco = build_face_coco(
        entries, image_root,
        {'description': f'WIDER FACE {split} split in COCO format (mmfacerfcn)',
         'split': split},
        annotated=split != 'test', error_cls=WiderFormatError,
        progress=progress)
    if gt is not None:
        subset_counts: Dict[str, int] = {
            name: sum(ann['subsets'][name] for ann in coco['annotations'])
            for name in WIDER_FACE_SUBSETS
        }
        coco['info']['summary']['subsets'] = subset_counts
    return coco


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
        WiderFormatError: Any missing or malformed input file, or val
            ``.mat`` files that disagree with the gt txt.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    root = Path(root)
    split_dir = root / SPLIT_DIR
    gt = None
    if split == 'test':
        images = parse_wider_filelist(split_dir / TEST_FILELIST)
    else:
        images = parse_wider_gt(split_dir / GT_FILES[split])
    if split == 'val':
        gt_dir = root / WIDER_FACE_GT_DIR
        gt = load_wider_gt_mat(str(gt_dir), WiderFormatError)
        check_against_val_gt(images, gt, gt_dir / WIDER_FACE_VAL_MAT)
    return build_wider_coco(images, root / f'WIDER_{split}' / 'images', split,
                            gt=gt, progress=progress)
