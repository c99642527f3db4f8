"""Face and background crops from a detection training set.

A face crop is a square window around an annotated face, ``context`` times the
face's longer side, moved by up to ``jitter`` of its side; a background crop is
a square window anywhere in the picture, 16 px to 80% of the picture's longer
side, holding no face at the scale of a face crop (no face whose centre lies in
the window's middle and whose size is a quarter of the window or more). Both
are resized to ``crop_size`` and mirrored at the borders.

:class:`FaceCropSampler` draws them for
:class:`~mmfacerfcn.engine.hooks.TrunkPretrainHook`, which pretrains a
detector's backbone as a face / background classifier before detection
training. mmdet's pipelines transform one picture with its boxes and have no
sampler of labelled windows, so this is written here (numpy and OpenCV).
"""
from typing import List, Sequence, Tuple

import cv2
import numpy as np


class FaceCropSampler:
    """Labelled square crops (1: face, 0: background) of pictures.

    Args:
        images (Sequence[np.ndarray]): Pictures, (H, W, 3) uint8.
        boxes (Sequence[np.ndarray]): Per picture, its faces as (N, 4)
            ``x1 y1 x2 y2`` floats (N may be 0). Faces under ``min_face`` px
            are not used as face crops (they still veto background crops).
        crop_size (int): Side of a crop, px.
        context (Tuple[float, float]): Range of a face crop's side over the
            face's longer side.
        jitter (float): Largest shift of a face crop's centre, as a fraction
            of its side.
        min_face (float): Shortest face side used for a face crop, px.
        seed (int): Seed of the sampler's own generator.
    """

    def __init__(self,
                 images: Sequence[np.ndarray],
                 boxes: Sequence[np.ndarray],
                 crop_size: int = 48,
                 context: Tuple[float, float] = (1.5, 3.0),
                 jitter: float = 0.15,
                 min_face: float = 6.,
                 seed: int = 0) -> None:
        if len(images) != len(boxes):
            raise ValueError(f'{len(images)} images but {len(boxes)} box '
                             'arrays')
        self.images = list(images)
        self.boxes = [np.asarray(b, dtype=np.float64).reshape(-1, 4)
                      for b in boxes]
        self.faces = [(i, b) for i, bs in enumerate(self.boxes) for b in bs
                      if min(b[2] - b[0], b[3] - b[1]) >= min_face]
        if not self.faces:
            raise ValueError('no face of at least '
                             f'{min_face} px to crop')
        self.crop_size = crop_size
        self.context = context
        self.jitter = jitter
        self.rng = np.random.default_rng(seed)

    def _crop(self, image: np.ndarray, cx: float, cy: float,
              side: float) -> np.ndarray:
        """The square of ``side`` centred at (cx, cy), resized."""
        s = self.crop_size / side
        warp = np.array([[s, 0, (side / 2 - cx) * s],
                         [0, s, (side / 2 - cy) * s]], dtype=np.float32)
        return cv2.warpAffine(image, warp, (self.crop_size, self.crop_size),
                              flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)

    def face_crop(self) -> np.ndarray:
        """A crop around a random face."""
        index, (x1, y1, x2, y2) = self.faces[self.rng.integers(len(
            self.faces))]
        side = max(x2 - x1, y2 - y1) * self.rng.uniform(*self.context)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        cx += self.rng.uniform(-self.jitter, self.jitter) * side
        cy += self.rng.uniform(-self.jitter, self.jitter) * side
        return self._crop(self.images[index], cx, cy, side)

    def holds_face(self, index: int, cx: float, cy: float,
                   side: float) -> bool:
        """Whether the window holds a face as a face crop would: its centre
        within the window's middle 70% and its longer side from a quarter
        of the window up to the window."""
        boxes = self.boxes[index]
        if not len(boxes):
            return False
        fcx = (boxes[:, 0] + boxes[:, 2]) / 2
        fcy = (boxes[:, 1] + boxes[:, 3]) / 2
        size = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        inside = (np.abs(fcx - cx) < 0.35 * side) & (np.abs(fcy - cy) <
                                                      0.35 * side)
        return bool((inside & (size >= side / 4) & (size <= side)).any())

    def background_crop(self) -> np.ndarray:
        """A crop of a random window that holds no face."""
        while True:
            index = int(self.rng.integers(len(self.images)))
            h, w = self.images[index].shape[:2]
            side = float(np.exp(self.rng.uniform(
                np.log(16), np.log(max(17., 0.8 * max(h, w))))))
            cx, cy = self.rng.uniform(0, w), self.rng.uniform(0, h)
            if not self.holds_face(index, cx, cy, side):
                return self._crop(self.images[index], cx, cy, side)

    def sample(self, num: int,
               face_fraction: float = 0.5) -> Tuple[np.ndarray, np.ndarray]:
        """``num`` crops, each a face with probability ``face_fraction``.

        Returns:
            tuple: crops (num, crop_size, crop_size, 3) uint8 and labels
            (num,) int64, 1 for a face.
        """
        labels = (self.rng.random(num) < face_fraction).astype(np.int64)
        crops: List[np.ndarray] = [
            self.face_crop() if label else self.background_crop()
            for label in labels
        ]
        return np.stack(crops), labels
