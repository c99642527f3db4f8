"""FaceCropSampler: face crops centre a face, background windows hold none
at a face crop's scale, and the draw is seeded."""
import numpy as np
import pytest

from mmfacerfcn.data_formats.face_crops import FaceCropSampler

# A black picture with one red 24 x 24 "face" at x 40-64, y 30-54.
IMAGE = np.zeros((120, 160, 3), np.uint8)
IMAGE[30:54, 40:64] = (0, 0, 255)
FACE = np.array([[40., 30., 64., 54.]])


def test_face_crops_centre_the_face():
    sampler = FaceCropSampler([IMAGE], [FACE], crop_size=32, seed=0)
    for _ in range(50):
        crop = sampler.face_crop()
        assert crop.shape == (32, 32, 3)
        # The centre moves by at most 0.15 x 3 = 0.45 face sides: still red.
        assert tuple(crop[16, 16]) == (0, 0, 255)
        # The face fills 1/3 to 2/3 of the crop's side.
        red = (crop[..., 2] > 128).sum(1).max()
        assert 32 / 3 - 2 <= red <= 2 * 32 / 3 + 2


def test_holds_face_by_hand():
    sampler = FaceCropSampler([IMAGE], [FACE])
    cx, cy = 52., 42.
    assert sampler.holds_face(0, cx, cy, 48)        # face = 1/2 of window
    assert sampler.holds_face(0, cx + 12, cy, 48)   # centre 12 < 0.35 * 48
    assert not sampler.holds_face(0, cx + 20, cy, 48)  # centre too far out
    assert not sampler.holds_face(0, cx, cy, 120)   # face under a quarter
    assert not sampler.holds_face(0, cx, cy, 16)    # window inside the face
    assert not sampler.holds_face(0, 140, 100, 30)  # elsewhere


def test_background_crops_hold_no_face_and_the_draw_is_seeded():
    draws = []
    for _ in range(2):
        sampler = FaceCropSampler([IMAGE, IMAGE], [FACE, np.zeros((0, 4))],
                                  crop_size=32, seed=3)
        crops, labels = sampler.sample(40, face_fraction=0.25)
        assert crops.shape == (40, 32, 32, 3) and crops.dtype == np.uint8
        assert 0 < labels.sum() < 40
        draws.append((crops, labels))
    np.testing.assert_array_equal(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])
    # No background crop frames a whole face as a face crop would: centred
    # in the middle 70%, a quarter of the side or more (1 px of slack).
    for crop, label in zip(*draws[0]):
        ys, xs = np.nonzero(crop[..., 2] > 128)
        if label or not len(xs) or min(xs.min(), ys.min()) == 0 or max(
                xs.max(), ys.max()) == 31:
            continue  # a face crop, no face, or a face cut by the border
        size = max(xs.max() - xs.min(), ys.max() - ys.min()) + 1
        centred = max(abs((xs.min() + xs.max()) / 2 - 15.5),
                      abs((ys.min() + ys.max()) / 2 - 15.5)) < 0.35 * 32 - 1
        assert not (centred and size >= 32 / 4 + 1), (size, xs, ys)


def test_no_face_is_an_error():
    with pytest.raises(ValueError, match='no face'):
        FaceCropSampler([IMAGE], [np.zeros((0, 4))])
    with pytest.raises(ValueError, match='1 images but 2'):
        FaceCropSampler([IMAGE], [FACE, FACE])
