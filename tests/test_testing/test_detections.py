"""unmatched_detections / assert_same_detections on hand-made cases."""
import pytest
import torch

from mmfacerfcn.testing.detections import (
    assert_same_detections,
    unmatched_detections,
)

BOXES = torch.tensor([[0., 0., 10., 10.], [20., 20., 40., 50.],
                      [5., 30., 15., 45.]])
SCORES = torch.tensor([0.9, 0.5, 0.1])


def test_same_detections_in_another_order_all_match():
    order = torch.tensor([2, 0, 1])
    a, b = unmatched_detections(BOXES, SCORES, BOXES[order], SCORES[order])
    assert a.tolist() == [] and b.tolist() == []


@pytest.mark.parametrize('change', ['box', 'score', 'label'])
def test_a_changed_detection_is_unmatched_on_both_sides(change):
    boxes, scores = BOXES.clone(), SCORES.clone()
    labels = torch.zeros(3, dtype=torch.long)
    other_labels = labels.clone()
    if change == 'box':
        boxes[1, 2] += 1  # IoU 600 / 630 = 0.952
    elif change == 'score':
        scores[1] += 2e-4
    else:
        other_labels[1] = 1
    a, b = unmatched_detections(boxes, scores, BOXES, SCORES, labels,
                                other_labels)
    assert a.tolist() == [1] and b.tolist() == [1]
    # within the tolerances: matched
    boxes, scores = BOXES.clone(), SCORES.clone()
    boxes[1, 2] += 0.1  # IoU 600 / 603 = 0.995
    scores[1] += 0.5e-4
    a, b = unmatched_detections(boxes, scores, BOXES, SCORES)
    assert a.tolist() == [] and b.tolist() == []


def test_one_side_empty():
    a, b = unmatched_detections(torch.zeros(0, 4), torch.zeros(0), BOXES,
                                SCORES)
    assert a.tolist() == [] and b.tolist() == [0, 1, 2]


def test_assert_names_what_is_unmatched():
    """One box kept by one backend and its near twin by the other."""
    actual = dict(bboxes=BOXES[:2].tolist(), scores=SCORES[:2].tolist())
    expected = dict(bboxes=BOXES[[0, 2]], scores=SCORES[[0, 2]])
    with pytest.raises(AssertionError, match=r'1 of 2 detections have no '
                       r'match in the reference and 1 of its 2 none here. '
                       r'Unmatched scores: \[0.5\] / \[0.1'):
        assert_same_detections(actual, expected)
    assert_same_detections(actual, dict(bboxes=BOXES[[1, 0]],
                                        scores=SCORES[[1, 0]] + 1e-5))
    with pytest.raises(AssertionError, match='0 of 3 .* 1 of its 4'):
        assert_same_detections(
            dict(bboxes=BOXES, scores=SCORES),
            dict(bboxes=BOXES[[0, 1, 2, 2]], scores=SCORES[[0, 1, 2, 0]]))
