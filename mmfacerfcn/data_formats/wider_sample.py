"""A small, deterministic WIDER FACE look-alike in the official layout.

``make_wider_sample`` writes the same tree as the official download::

    OUT_ROOT/WIDER_{train,val,test}/images/<event>/<name>.jpg
    OUT_ROOT/wider_face_split/wider_face_{train,val}_bbx_gt.txt
    OUT_ROOT/wider_face_split/wider_face_test_filelist.txt
    OUT_ROOT/eval_tools/ground_truth/wider_face_val.mat
    OUT_ROOT/eval_tools/ground_truth/wider_{easy,medium,hard}_val.mat

so that ``tools/dataset_converters/wider_face_to_coco.py``, the dataset and the metric
read it exactly as they read WIDER FACE. Beside the gt it records where it pasted
its distractors (below), which WIDER FACE has no file for::

    OUT_ROOT/wider_face_split/sample_distractors_{train,val}.txt

in the gt files' format (attributes 0; :func:`read_distractors`). No converter,
dataset or metric reads them: they are for diagnostics that ask whether a model
tells a face from a distractor
(``tools/analysis_tools/distractor_scores.py``).

Material (all shipped with scikit-image, nothing downloaded):

* faces: the first 100 entries of ``skimage/data/lfw_subset.npy``, real 25x25
  grey LFW face crops with tight boxes; unlabelled distractors, i.e. hard
  negatives, are pasted the same way (up to 8 a picture): the next 100
  entries (non-face crops) or crops of any background below;
* backgrounds without people: coffee, chelsea, rocket, stereo_motorcycle,
  hubble_deep_field, colorwheel, logo (colour) and brick, grass, gravel, moon,
  coins, clock, cell, page (grey, given a random colour tint). Each
  background is one event, e.g. ``"0--Coffee"``. scikit-image's text,
  retina and immunohistochemistry pictures are left out: they are face-free
  pictures that the model never sees in training
  (:mod:`mmfacerfcn.testing.portraits`).

Each patch is pasted with an alpha that fades out at its edges and corners
(no sharp rectangular frame, which would tell a pasted face from a real one);
the box is the whole patch. One image in five with faces is a portrait: a single
face of 30-70% of the image height. Otherwise each face is resized (height
log-uniform in about 10..120 px, at most 45% of the image), tinted with a skin
tone (distractors too, and ~15% of whole images are made grey, so colour is no
cue for "face"), and may be flipped, rotated (box = tight box of the rotated
crop; ``pose=1`` when ``|angle| >= 20``), Gaussian-blurred (``blur`` 1 for
sigma ~ 0.03 h, 2 for sigma ~ 0.08 h), occluded by a texture patch from one side
(``occlusion`` 1 when at most 30% of the face pixels are covered, 2 above),
darkened or brightened by a strong gamma (``illumination=1``). A few tiny,
heavily occluded faces get ``invalid=1``; a few boxes touch or leave the right or
bottom border (the gt line keeps the full box, as WIDER does). ``expression`` is
always 0: an exaggerated expression cannot be synthesised from these crops.
Faces and distractors never overlap. Every split has 1 or 2 images without face.

Easy/Medium/Hard (val), nested like the official protocol, with ``h`` the box
height in pixels:

* hard: every face with ``invalid == 0`` and ``h >= 10``;
* medium: hard faces with ``h >= 24``, ``blur < 2`` and ``occlusion < 2``;
* easy: medium faces with ``h >= 48``, ``blur == 0`` and ``pose == 0``.

The output is identical byte for byte for the same arguments (one NumPy
generator per split seeded with ``(seed, split)``; PIL's JPEG encoder is
deterministic).
"""
import io
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import scipy.io
import skimage.data
from PIL import Image, ImageFilter

from ..evaluation.functional.wider_face_gt import (
    WIDER_FACE_GT_DIR,
    WIDER_FACE_SUBSET_MATS,
    WIDER_FACE_VAL_MAT,
)
from ..utils.input_files import InputFileError
from .wider_face_txt import SPLIT_DIR, WiderImage, parse_wider_gt

PathLike = Union[str, os.PathLike]

# (event, skimage.data loader). Only images without people or human faces.
_BACKGROUNDS = (
    ('0--Coffee', 'coffee'),
    ('1--Cat', 'chelsea'),
    ('2--Rocket', 'rocket'),
    ('3--Motorcycle', 'stereo_motorcycle'),
    ('4--Space', 'hubble_deep_field'),
    ('5--Brick', 'brick'),
    ('6--Grass', 'grass'),
    ('7--Gravel', 'gravel'),
    ('8--Moon', 'moon'),
    ('9--Coins', 'coins'),
    ('10--Clock', 'clock'),
    ('11--Colorwheel', 'colorwheel'),
    ('12--Logo', 'logo'),
    ('13--Cell', 'cell'),
    ('14--Page', 'page'),
)
# Pasted non-faces per picture, at most.
_MAX_DISTRACTORS = 8
# Occluders are real textures, not flat boxes.
_TEXTURES = ('brick', 'grass', 'gravel', 'coffee', 'rocket')
# Every skimage.data picture the sample is made of besides the LFW crops: one
# left out of it is one the model never sees in training.
SAMPLE_SKIMAGE_PICTURES = frozenset(
    [name for _, name in _BACKGROUNDS] + list(_TEXTURES))
# RGB skin tones from light to dark, multiplied onto the grey crops.
_SKIN_TONES = np.array([
    (255, 224, 196), (241, 194, 150), (224, 172, 105), (198, 134, 66),
    (161, 102, 54), (120, 72, 40), (92, 51, 23),
], dtype=np.float32) / 255.0
_SPLIT_IDS = {'train': 0, 'val': 1, 'test': 2}
# The record of the pasted distractors, per split with a gt file.
DISTRACTOR_FILES = {
    'train': 'sample_distractors_train.txt',
    'val': 'sample_distractors_val.txt',
}
_ATTRIBUTES = ('blur', 'expression', 'illumination', 'invalid', 'occlusion',
               'pose')
# What the generator draws, in its own version: raised whenever the same
# arguments would give other pictures, so that tools/prepare_sample.sh
# replaces a sample written by an older generator. 2: stop 40's 15
# backgrounds and distractors from any of them.
SAMPLE_VERSION = 2
VERSION_FILE = 'sample_version.txt'

Box = Tuple[int, int, int, int]


def _load_rgb(name: str) -> np.ndarray:
    """Load a skimage.data image as uint8 RGB (grey ones are kept grey x3)."""
    image = getattr(skimage.data, name)()
    if isinstance(image, tuple):  # stereo_motorcycle: (left, right, disparity)
        image = image[0]
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3]).astype(np.uint8)


def _is_grey(image: np.ndarray) -> bool:
    return bool((image[..., 0] == image[..., 1]).all()
                and (image[..., 1] == image[..., 2]).all())


def _random_crop(rng: np.random.Generator, image: np.ndarray, width: int,
                 height: int) -> Image.Image:
    """A random crop of ``image`` with the aspect of ``width x height``,
    resized to that size."""
    src_h, src_w = image.shape[:2]
    scale = min(src_w / width, src_h / height) * rng.uniform(0.5, 1.0)
    crop_w, crop_h = max(int(width * scale), 8), max(int(height * scale), 8)
    x0 = int(rng.integers(0, src_w - crop_w + 1))
    y0 = int(rng.integers(0, src_h - crop_h + 1))
    crop = Image.fromarray(image[y0:y0 + crop_h, x0:x0 + crop_w])
    return crop.resize((width, height), Image.BILINEAR)


def _tint(rng: np.random.Generator, grey: np.ndarray) -> np.ndarray:
    """Colour a grey float image (H, W) in [0, 1] with a random skin tone into
    RGB uint8."""
    tone = _SKIN_TONES[rng.integers(len(_SKIN_TONES))]
    # The gain keeps light tones from washing out and dark ones from going black.
    rgb = grey[..., None] * tone[None, None] * rng.uniform(1.0, 1.25)
    return (np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)


def _soft_mask(rng: np.random.Generator, width: int,
               height: int) -> Image.Image:
    """The paste alpha of a patch: opaque inside a superellipse, fading out
    towards the edges and corners.

    A hard rectangular paste leaves a sharp frame around every face, a cue
    that real photographs never have; with a soft edge (and distractors
    pasted the same way) only the content tells a face. The box stays the
    whole patch.
    """
    power = rng.uniform(3.0, 6.0)
    u = np.abs(np.linspace(-1, 1, width, dtype=np.float32))[None, :]
    v = np.abs(np.linspace(-1, 1, height, dtype=np.float32))[:, None]
    radius = (u**power + v**power)**(1 / power)
    alpha = np.clip((1.0 - radius) / rng.uniform(0.08, 0.2), 0, 1)
    return Image.fromarray((alpha * 255).round().astype(np.uint8))


class _SampleMaker:
    """Holds the loaded material and draws one image at a time."""

    def __init__(self) -> None:
        lfw = skimage.data.lfw_subset()
        self.faces = lfw[:100].astype(np.float32)
        self.non_faces = lfw[100:200].astype(np.float32)
        self.backgrounds = [(event, _load_rgb(name)) for event, name in _BACKGROUNDS]
        self.textures = [_load_rgb(name) for name in _TEXTURES]

    def _patch(self, rng: np.random.Generator, crop: np.ndarray, height: int,
               attrs: Dict[str, int], is_face: bool,
               occlude: Optional[float]) -> Tuple[Image.Image, Image.Image]:
        """Make an RGB patch and its paste alpha from a 25x25 crop.

        The patch size is the face's box: the tight box of the (rotated)
        crop, whose edges the alpha fades out (:func:`_soft_mask`).
        """
        width = max(int(round(height * rng.uniform(0.78, 1.0))), 2)
        grey = Image.fromarray((crop * 255).round().astype(np.uint8))
        grey = grey.resize((width, height), Image.BICUBIC)
        if rng.random() < 0.5:
            grey = grey.transpose(Image.FLIP_LEFT_RIGHT)
        rgb = _tint(rng, np.asarray(grey, dtype=np.float32) / 255.0)
        if is_face and rng.random() < 0.15:
            gamma = rng.uniform(2.2, 3.2) if rng.random() < 0.5 else rng.uniform(
                0.3, 0.45)
            rgb = (255 * (rgb / 255.0)**gamma).round().astype(np.uint8)
            attrs['illumination'] = 1
        patch = Image.fromarray(rgb)
        u = rng.random()
        if is_face and u < 0.15:
            patch = patch.filter(ImageFilter.GaussianBlur(max(2.0, 0.08 * height)))
            attrs['blur'] = 2
        elif is_face and u < 0.40:
            patch = patch.filter(ImageFilter.GaussianBlur(max(0.8, 0.03 * height)))
            attrs['blur'] = 1
        mask = _soft_mask(rng, *patch.size)
        if rng.random() < 0.3:
            angle = float(rng.uniform(-35, 35))
            patch = patch.rotate(angle, Image.BILINEAR, expand=True)
            mask = mask.rotate(angle, Image.BILINEAR, expand=True)
            # The box is the tight box of the rotated crop's rectangle.
            extent = Image.new('L', (width, height), 255).rotate(
                angle, Image.BILINEAR, expand=True).point(
                    lambda v: 255 if v >= 128 else 0)
            bbox = extent.getbbox()
            patch, mask = patch.crop(bbox), mask.crop(bbox)
            if abs(angle) >= 20:
                attrs['pose'] = 1
        if occlude is not None:
            self._occlude(rng, patch, mask, occlude, attrs)
        return patch, mask

    def _occlude(self, rng: np.random.Generator, patch: Image.Image,
                 mask: Image.Image, fraction: float, attrs: Dict[str, int]) -> None:
        """Cover about ``fraction`` of the patch from one side with a texture."""
        width, height = patch.size
        side = int(rng.integers(4))
        if side < 2:  # from the top or the bottom
            size = max(int(round(fraction * height)), 1)
            box = (0, 0, width, size) if side == 0 else (0, height - size, width,
                                                         height)
        else:
            size = max(int(round(fraction * width)), 1)
            box = (0, 0, size, height) if side == 2 else (width - size, 0, width,
                                                          height)
        texture = self.textures[rng.integers(len(self.textures))]
        cover = _random_crop(rng, texture, box[2] - box[0], box[3] - box[1])
        face = np.asarray(mask) >= 128
        patch.paste(cover, box[:2])
        covered = np.zeros_like(face)
        covered[box[1]:box[3], box[0]:box[2]] = True
        # The label counts face pixels hidden, like WIDER's 1-30% / >30% rule.
        hidden = (covered & face).sum() / max(face.sum(), 1)
        attrs['occlusion'] = 1 if hidden <= 0.3 else 2
        # The occluder is opaque: paste it where the rotated face left corners.
        mask.paste(255, box)

    def make_image(self, rng: np.random.Generator, num_faces: int
                   ) -> Tuple[str, Image.Image, List[Tuple[Box, Dict[str, int]]],
                              List[Box]]:
        """Draw one image with ``num_faces`` faces (fewer if they do not fit).

        Returns:
            tuple: ``(event, image, faces, distractors)`` with faces as
            ``((x, y, w, h), attributes)`` in WIDER convention and the
            pasted distractors (hard negatives, not faces) as ``(x, y, w,
            h)``.
        """
        event_idx = int(rng.integers(len(self.backgrounds)))
        event, background = self.backgrounds[event_idx]
        long_side = int(rng.integers(320, 641))
        aspect = (4 / 3, 3 / 2, 1.0, 3 / 4)[rng.integers(4)]
        width = long_side if aspect >= 1 else int(round(long_side * aspect))
        height = int(round(long_side / aspect)) if aspect >= 1 else long_side
        canvas = _random_crop(rng, background, width, height)
        if _is_grey(background):
            tint = rng.uniform(0.55, 1.0, 3).astype(np.float32)
            canvas = Image.fromarray(
                (np.asarray(canvas, dtype=np.float32) * tint).round().astype(
                    np.uint8))
        taken: List[Box] = []
        faces = []
        # Portraits: one face of 30-70% of the image height, the scale of
        # a photo of one person (the rest are crowd-like scenes).
        portrait = num_faces > 0 and rng.random() < 0.2
        if portrait:
            num_faces = 1
        for _ in range(num_faces):
            attrs = dict.fromkeys(_ATTRIBUTES, 0)
            occlude = None
            if portrait:
                face_h = int(round(rng.uniform(0.3, 0.7) * height))
            elif rng.random() < 0.04:
                # Tiny and mostly hidden: WIDER marks such faces invalid.
                face_h = int(rng.integers(6, 10))
                occlude = float(rng.uniform(0.5, 0.7))
                attrs['invalid'] = 1
            else:
                face_h = int(round(np.exp(rng.uniform(np.log(10), np.log(120)))))
                face_h = min(face_h, int(0.45 * height))
                if rng.random() < 0.25:
                    occlude = float(rng.uniform(0.12, 0.6))
            crop = self.faces[rng.integers(len(self.faces))]
            patch, mask = self._patch(rng, crop, face_h, attrs, True, occlude)
            xy = self._place(rng, patch.size, (width, height), taken,
                             border=rng.random() < 0.08)
            if xy is None:
                continue
            canvas.paste(patch, xy, mask)
            box = (xy[0], xy[1], patch.size[0], patch.size[1])
            taken.append(box)
            faces.append((box, attrs))
        distractors: List[Box] = []
        for _ in range(int(rng.integers(0, _MAX_DISTRACTORS + 1))):
            # Hard negatives, pasted like faces: LFW's non-face crops, or a
            # crop of any background picture: whatever the model sees pasted
            # and is not a face, so that a pasted patch of unfamiliar content
            # does not pass for one.
            if rng.random() < 0.4:
                crop = self.non_faces[rng.integers(len(self.non_faces))]
            else:
                _, texture = self.backgrounds[rng.integers(len(self.backgrounds))]
                crop = np.asarray(_random_crop(rng, texture, 25, 25).convert(
                    'L'), dtype=np.float32) / 255.0
            size = np.exp(rng.uniform(np.log(15), np.log(0.5 * height)))
            patch, mask = self._patch(rng, crop, int(size), {}, False, None)
            xy = self._place(rng, patch.size, (width, height), taken, border=False)
            if xy is not None:
                canvas.paste(patch, xy, mask)
                taken.append((xy[0], xy[1], patch.size[0], patch.size[1]))
                distractors.append(taken[-1])
        if rng.random() < 0.15:
            canvas = canvas.convert('L').convert('RGB')
        return event, canvas, faces, distractors

    @staticmethod
    def _place(rng: np.random.Generator, size: Tuple[int, int],
               canvas: Tuple[int, int], taken: Sequence[Box],
               border: bool) -> Optional[Tuple[int, int]]:
        """Find a top-left corner where ``size`` overlaps nothing in ``taken``.

        With ``border`` the box touches the left/top edge or leaves the image by
        10-40% across the right/bottom edge.
        """
        (w, h), (width, height) = size, canvas
        if w >= width or h >= height:
            return None
        for _ in range(30):
            x = int(rng.integers(0, width - w + 1))
            y = int(rng.integers(0, height - h + 1))
            if border:
                edge = int(rng.integers(4))
                if edge == 0:
                    x = 0
                elif edge == 1:
                    y = 0
                elif edge == 2:
                    x = width - w + max(int(w * rng.uniform(0.1, 0.4)), 1)
                else:
                    y = height - h + max(int(h * rng.uniform(0.1, 0.4)), 1)
            # 2 px gap so that boxes never share a pixel.
            if all(x + w + 2 <= tx or tx + tw + 2 <= x or y + h + 2 <= ty
                   or ty + th + 2 <= y for tx, ty, tw, th in taken):
                return x, y
        return None


def wider_subsets(box: Box, attrs: Dict[str, int]) -> Dict[str, bool]:
    """Easy/Medium/Hard membership of a sample face (rule in module docstring).

    Args:
        box (tuple): ``x, y, w, h``.
        attrs (dict[str, int]): The face's WIDER attributes.

    Returns:
        dict[str, bool]: ``{"easy": ..., "medium": ..., "hard": ...}``, nested.
    """
    h = box[3]
    hard = attrs['invalid'] == 0 and h >= 10
    medium = hard and h >= 24 and attrs['blur'] < 2 and attrs['occlusion'] < 2
    easy = medium and h >= 48 and attrs['blur'] == 0 and attrs['pose'] == 0
    return {'easy': easy, 'medium': medium, 'hard': hard}


def _cell(values: Sequence) -> np.ndarray:
    """A MATLAB cell column (n x 1) holding ``values`` as they are."""
    cell = np.empty((len(values), 1), dtype=object)
    for i, value in enumerate(values):
        cell[i, 0] = value
    return cell


def _savemat(path: Path, variables: Dict[str, np.ndarray]) -> None:
    """``scipy.io.savemat`` with a fixed header text.

    The first 116 bytes of a MAT v5 file are free text in which scipy writes the
    creation time; a fixed text keeps the output identical between runs.
    """
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, variables)
    data = bytearray(buffer.getvalue())
    data[:116] = b'MATLAB 5.0 MAT-file, written by mmfacerfcn wider_sample'.ljust(
        116)
    path.write_bytes(bytes(data))


def _write_val_mats(gt_dir: Path, entries: Sequence[Tuple[str, str, list]]) -> None:
    """Write the four eval .mat files for ``(event, name, faces)`` entries,
    which are grouped by event in gt-file order."""
    events: List[str] = []
    for event, _, _ in entries:
        if event not in events:
            events.append(event)
    by_event = {e: [entry for entry in entries if entry[0] == e] for e in events}
    common = {
        'event_list': _cell(events),
        'file_list': _cell([_cell([name for _, name, _ in by_event[e]])
                            for e in events]),
    }
    boxes = {
        'face_bbx_list': _cell([
            _cell([np.array([box for box, _ in faces], dtype=np.float64).reshape(
                -1, 4) for _, _, faces in by_event[e]]) for e in events
        ])
    }
    # The real file carries the attribute columns too.
    for attr in _ATTRIBUTES:
        boxes[f'{attr}_label_list'] = _cell([
            _cell([np.array([a[attr] for _, a in faces], dtype=np.float64).reshape(
                -1, 1) for _, _, faces in by_event[e]]) for e in events
        ])
    gt_dir.mkdir(parents=True, exist_ok=True)
    _savemat(gt_dir / WIDER_FACE_VAL_MAT, {**common, **boxes})
    for subset in ('easy', 'medium', 'hard'):
        gt_list = _cell([
            _cell([
                np.array([i + 1 for i, (box, a) in enumerate(faces)
                          if wider_subsets(box, a)[subset]],
                         dtype=np.float64).reshape(-1, 1)
                for _, _, faces in by_event[e]
            ]) for e in events
        ])
        _savemat(gt_dir / WIDER_FACE_SUBSET_MATS[subset],
                 {**common, 'gt_list': gt_list})


def _gt_lines(entries: Sequence[Tuple[str, str, list]]) -> List[str]:
    """The gt txt lines, in the official format (trailing space included)."""
    lines = []
    for event, name, faces in entries:
        lines += [f'{event}/{name}.jpg', str(len(faces))]
        if not faces:
            lines.append('0 ' * 10)
        for box, attrs in faces:
            values = list(box) + [attrs[a] for a in _ATTRIBUTES]
            lines.append(''.join(f'{v} ' for v in values))
    return lines


def make_wider_sample(out_root: PathLike,
                      num_train: int = 150,
                      num_val: int = 30,
                      num_test: int = 6,
                      seed: int = 0) -> Dict[str, dict]:
    """Write a small WIDER FACE look-alike in the official layout.

    Args:
        out_root (str | PathLike): Folder to write ``WIDER_ROOT`` into.
        num_train (int): Number of train images.
        num_val (int): Number of val images.
        num_test (int): Number of test images.
        seed (int): Seed; the same arguments give identical bytes.

    Returns:
        dict[str, dict]: Per split the counts ``images``, ``faces``,
        ``empty_images``, ``invalid``, ``distractors``, ``out_of_image``
        and, for val, the
        ``easy``/``medium``/``hard`` face counts.
    """
    out_root = Path(out_root)
    maker = _SampleMaker()
    split_dir = out_root / 'wider_face_split'
    split_dir.mkdir(parents=True, exist_ok=True)
    summary = {}
    for split, count in (('train', num_train), ('val', num_val), ('test',
                                                                  num_test)):
        # One generator per split: changing one split's size leaves the others.
        rng = np.random.default_rng([seed, _SPLIT_IDS[split]])
        num_empty = min(1 if count < 10 else 2, count)
        empty = set(rng.permutation(count)[:num_empty].tolist())
        drawn = []
        for k in range(count):
            num_faces = 0 if k in empty else int(rng.integers(1, 13))
            event, image, faces, distractors = maker.make_image(rng, num_faces)
            drawn.append((event, k, image, faces, distractors))
        # The official lists group images by event.
        drawn.sort(key=lambda item: (int(item[0].split('--')[0]), item[1]))
        entries, distractor_entries = [], []
        for event, k, image, faces, distractors in drawn:
            name = f"{event.replace('--', '_')}_{split}_{k}"
            image_dir = out_root / f'WIDER_{split}' / 'images' / event
            image_dir.mkdir(parents=True, exist_ok=True)
            image.save(image_dir / f'{name}.jpg', quality=92)
            entries.append((event, name, faces))
            distractor_entries.append(
                (event, name, [(box, dict.fromkeys(_ATTRIBUTES, 0))
                               for box in distractors]))
        if split == 'test':
            (split_dir / 'wider_face_test_filelist.txt').write_text(''.join(
                f'{event}/{name}.jpg\n' for event, name, _ in entries))
        else:
            (split_dir / f'wider_face_{split}_bbx_gt.txt').write_text(
                '\n'.join(_gt_lines(entries)) + '\n')
            (split_dir / DISTRACTOR_FILES[split]).write_text(
                '\n'.join(_gt_lines(distractor_entries)) + '\n')
        if split == 'val':
            _write_val_mats(out_root / WIDER_FACE_GT_DIR, entries)
        # (box, attributes, image size) of every face, for the counts.
        all_faces = [(box, a, image.size) for _, _, image, faces, _ in drawn
                     for box, a in faces]
        counts = {
            'images': len(entries),
            'faces': len(all_faces),
            'empty_images': sum(not faces for _, _, _, faces, _ in drawn),
            'invalid': sum(a['invalid'] for _, a, _ in all_faces),
            'distractors': sum(len(d) for *_, d in drawn),
            'out_of_image': sum(box[0] + box[2] > w or box[1] + box[3] > h
                                for box, _, (w, h) in all_faces),
        }
        if split == 'val':
            for subset in ('easy', 'medium', 'hard'):
                counts[subset] = sum(
                    wider_subsets(box, a)[subset] for box, a, _ in all_faces)
        summary[split] = counts
    (split_dir / VERSION_FILE).write_text(f'{SAMPLE_VERSION}\n')
    return summary


def sample_version(root: PathLike) -> Optional[int]:
    """The generator version that wrote the sample at ``root``.

    Args:
        root (str | PathLike): The sample's ``WIDER_ROOT``.

    Returns:
        int | None: The version recorded by :func:`make_wider_sample`
        (:data:`SAMPLE_VERSION` for a sample of this generator), or None
        where none is (no sample, or one written before versions were
        recorded).
    """
    path = Path(root) / SPLIT_DIR / VERSION_FILE
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def sample_is_current(root: PathLike) -> bool:
    """Whether this generator wrote the sample at ``root``.

    Args:
        root (str | PathLike): The sample's ``WIDER_ROOT``.

    Returns:
        bool: True where :func:`sample_version` is :data:`SAMPLE_VERSION`;
        False where another generator wrote it, or none did (no sample).
    """
    return sample_version(root) == SAMPLE_VERSION


def stale_sample_warning(root: PathLike) -> Optional[str]:
    """What to say before writing the current sample over an older one.

    Args:
        root (str | PathLike): The sample's ``WIDER_ROOT``.

    Returns:
        str | None: That a sample of another generator version (its
        version, None where it recorded none) is there and replaced; None
        where the sample is current or there is none to replace (no
        ``wider_face_split`` folder).
    """
    if sample_is_current(root) or not (Path(root) / SPLIT_DIR).is_dir():
        return None
    return (f'{root} was written by another version of the sample generator '
            f'({sample_version(root)}, this one is {SAMPLE_VERSION}); writing '
            'the current sample over it')


def read_distractors(root: PathLike, split: str) -> List[WiderImage]:
    """The distractors that :func:`make_wider_sample` pasted into a split.

    Args:
        root (str | PathLike): The sample's ``WIDER_ROOT``.
        split (str): ``'train'`` or ``'val'``.

    Returns:
        list[WiderImage]: Per image (in the gt file's order) its distractor
        boxes as :class:`WiderFace` entries (``bbox`` is ``x, y, w, h``,
        attributes 0).

    Raises:
        ValueError: ``split`` has no record.
        InputFileError: The record is missing (a sample generated before
            distractors were recorded, or not the embedded sample: the
            message says how to regenerate it) or malformed (``file:line``).
    """
    if split not in DISTRACTOR_FILES:
        raise ValueError(f'no distractor record for split {split!r}; one of '
                         f'{sorted(DISTRACTOR_FILES)}')
    path = Path(root) / SPLIT_DIR / DISTRACTOR_FILES[split]
    if not path.is_file():
        raise InputFileError(
            path, None, 'not found: the distractors are recorded by the embedded '
            'sample generator only (a sample written before it recorded them '
            'lacks it); regenerate it with python '
            'tools/dataset_converters/make_wider_sample.py ' + str(root))
    return parse_wider_gt(path)
