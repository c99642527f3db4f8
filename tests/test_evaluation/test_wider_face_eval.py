"""The WIDER FACE protocol: hand-computed cases, a naive reference, gt readers."""
import ast
import pathlib

import numpy as np
import pytest
import scipy.io

from mmfacerfcn.evaluation.functional import wider_face_eval as wfe
from mmfacerfcn.evaluation.functional.wider_face_eval import (
    WIDER_FACE_SUBSETS,
    WiderFaceImageGT,
    evaluate_wider_face,
    image_evaluation,
    match_predictions,
    normalize_scores,
    voc_ap,
    wider_face_iou,
    wider_face_score_thresholds,
)
from mmfacerfcn.evaluation.functional.wider_face_gt import (
    load_wider_gt_coco,
    load_wider_gt_mat,
    wider_image_key,
)
from mmfacerfcn.testing import tiny_wider as tiny_wider_module
from mmfacerfcn.utils.input_files import InputFileError


def image_gt(boxes, **subsets):
    """One image's gt; subsets not given contain every face."""
    boxes = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    masks = {s: np.array(subsets.get(s, [True] * len(boxes)), dtype=bool)
             for s in WIDER_FACE_SUBSETS}
    return WiderFaceImageGT(boxes, masks)


def aps(results):
    return {s: r.ap for s, r in results.items()}


# ---------------------------------------------------------------- constants


def test_protocol_constants():
    assert wfe.WIDER_FACE_IOU_THR == 0.5
    assert wfe.WIDER_FACE_PIXEL_OFFSET == 1.0
    assert wfe.WIDER_FACE_NUM_THRS == 1000
    thrs = wider_face_score_thresholds()
    assert thrs.shape == (1000,)
    assert thrs[0] == pytest.approx(0.999)
    assert thrs[499] == 0.5 and thrs[-1] == 0.0
    assert np.all(np.diff(thrs) < 0)


# ------------------------------------------------------- normalisation


def test_scores_min_max_normalised_over_all_images():
    preds = {'e/a': [[0, 0, 1, 1, 2.0], [0, 0, 1, 1, 4.0]],
             'e/b': [[0, 0, 1, 1, 6.0]],
             'e/c': np.zeros((0, 5))}
    out = normalize_scores(preds)
    # min 2 and max 6 come from different images: (s - 2) / 4.
    np.testing.assert_allclose(out['e/a'][:, 4], [0.0, 0.5])
    np.testing.assert_allclose(out['e/b'][:, 4], [1.0])
    assert out['e/c'].shape == (0, 5)
    assert preds['e/a'][1][4] == 4.0  # input untouched


def test_constant_scores_normalise_to_one():
    out = normalize_scores({'e/a': [[0, 0, 1, 1, 0.3], [5, 5, 1, 1, 0.3]]})
    np.testing.assert_array_equal(out['e/a'][:, 4], [1.0, 1.0])


def test_normalisation_changes_which_thresholds_keep_a_prediction():
    # Raw scores 0.2 and 0.3 would both fail every threshold above 0.3; after
    # normalisation the 0.3 one has score 1 and counts from the first
    # threshold. Face A is hit by the 0.3 one, face B by the 0.2 one.
    gt = {'e/a': image_gt([[0, 0, 10, 10], [50, 50, 10, 10]])}
    preds = {'e/a': [[0, 0, 10, 10, 0.3], [50, 50, 10, 10, 0.2]]}
    res = evaluate_wider_face(preds, gt)['hard']
    assert res.recall[0] == 0.5 and res.precision[0] == 1.0
    assert res.recall[-1] == 1.0
    assert res.ap == pytest.approx(1.0)


# ------------------------------------------------------------------- IoU


def test_iou_plus_one_pixel_worked_example():
    # gt x y w h = (0, 0, 2, 2) -> corners (0, 0, 2, 2), area (2+1)*(2+1) = 9
    # pred (1, 0, 2, 2)         -> corners (1, 0, 3, 2), area 9
    # intersection: x 1..2 -> 2 - 1 + 1 = 2 wide, y 0..2 -> 3 high: 6
    # IoU = 6 / (9 + 9 - 6) = 0.5 (without the +1: 2 / (4 + 4 - 2) = 1/3)
    iou = wider_face_iou(np.array([[1, 0, 2, 2]]), np.array([[0, 0, 2, 2]]))
    assert iou.shape == (1, 1)
    assert iou[0, 0] == 0.5


def test_iou_touching_boxes_share_a_pixel_column():
    # pred (2, 0, 2, 2) -> corners (2, 0, 4, 2) meets gt (0, 0, 2, 2) at x = 2:
    # intersection 1 * 3 = 3, IoU = 3 / (9 + 9 - 3) = 0.2; far boxes give 0.
    iou = wider_face_iou(np.array([[2, 0, 2, 2], [10, 10, 2, 2]]),
                         np.array([[0, 0, 2, 2], [0, 0, 9, 9]]))
    # second gt (0,0,9,9) = corners (0,0,9,9), area 100; vs pred 1 corners
    # (2,0,4,2): intersection 3 * 3 = 9 -> 9 / (100 + 9 - 9) = 0.09;
    # vs pred 2 corners (10,10,12,12): x 10 > 9 -> no overlap.
    np.testing.assert_allclose(iou, [[0.2, 0.09], [0.0, 0.0]])


def test_plus_one_decides_the_match():
    # The worked example above: a hit at IoU exactly 0.5 (>= threshold).
    gt = {'e/a': image_gt([[0, 0, 2, 2]])}
    res = evaluate_wider_face({'e/a': [[1, 0, 2, 2, 0.9]]}, gt)
    assert aps(res) == {'easy': 1.0, 'medium': 1.0, 'hard': 1.0}
    # One pixel further the IoU is 3 / 15 = 0.2: a false positive.
    res = evaluate_wider_face({'e/a': [[2, 0, 2, 2, 0.9]]}, gt)
    assert aps(res) == {'easy': 0.0, 'medium': 0.0, 'hard': 0.0}


# -------------------------------------------------------------- matching


def test_match_to_highest_iou_face():
    # A = (0,0,9,9), B = (2,0,9,9); a pred equal to B has IoU 1 with B and
    # 8*10 / (100 + 100 - 80) = 2/3 with A: it is B's.
    gt_boxes = np.array([[0, 0, 9, 9], [2, 0, 9, 9], [40, 40, 9, 9]])
    preds = np.array([[2, 0, 9, 9], [0, 0, 9, 9], [80, 80, 5, 5]])
    np.testing.assert_array_equal(match_predictions(preds, gt_boxes),
                                  [1, 0, -1])


def test_match_to_ignored_face_removes_prediction_even_if_kept_face_overlaps():
    gt_boxes = np.array([[0, 0, 9, 9], [2, 0, 9, 9]])
    matched = match_predictions(np.array([[2, 0, 9, 9]]), gt_boxes)
    # B (index 1) is outside the subset: the prediction leaves the count and
    # A is not recalled although its IoU 2/3 is above 0.5.
    kept, recalled = image_evaluation(matched, np.array([True, False]))
    assert kept.tolist() == [False] and recalled.tolist() == [0]
    gt = {'e/a': image_gt(gt_boxes, easy=[True, False])}
    res = evaluate_wider_face({'e/a': [[2, 0, 9, 9, 1.0]]}, gt)
    assert res['easy'].ap == 0.0 and np.isnan(res['easy'].precision).all()
    assert res['hard'].ap == 0.5  # both faces in hard: B found, A not


def test_ignored_prediction_is_not_a_false_positive():
    # p1 (0.9) hits the ignored face C, p2 (0.5) the kept face A. Counting p1
    # would give precision 1/2 at low thresholds; removed, precision stays 1.
    gt = {'e/a': image_gt([[0, 0, 10, 10], [50, 50, 10, 10]],
                          easy=[True, False])}
    preds = {'e/a': [[50, 50, 10, 10, 0.9], [0, 0, 10, 10, 0.5]]}
    matched = match_predictions(np.array(preds['e/a'])[:, :4], gt['e/a'].boxes)
    kept, recalled = image_evaluation(matched, gt['e/a'].subsets['easy'])
    assert kept.tolist() == [False, True] and recalled.tolist() == [0, 1]
    res = evaluate_wider_face(preds, gt)['easy']
    assert res.num_faces == 1
    assert res.precision[-1] == 1.0 and res.recall[-1] == 1.0
    assert res.ap == 1.0


def test_second_hit_on_a_face_is_a_false_positive():
    # p1 (1.0) and p2 (0.5 -> normalised 0) both hit A; B is missed.
    gt = {'e/a': image_gt([[0, 0, 10, 10], [50, 50, 10, 10]])}
    preds = {'e/a': [[0, 0, 10, 10, 1.0], [1, 1, 10, 10, 0.5]]}
    kept, recalled = image_evaluation(np.array([0, 0]), np.array([True, True]))
    assert kept.tolist() == [True, True] and recalled.tolist() == [1, 1]
    res = evaluate_wider_face(preds, gt)['hard']
    # thresholds > 0: p1 only -> P 1, R 1/2; threshold 0: P 1/2, R 1/2.
    assert res.precision[0] == 1.0 and res.precision[-1] == 0.5
    np.testing.assert_array_equal(res.recall, 0.5)
    assert res.ap == 0.5


def test_faces_of_images_without_prediction_lower_recall():
    gt = {'e/a': image_gt([[0, 0, 10, 10]]),
          'e/b': image_gt([[0, 0, 10, 10]]),
          'e/c': image_gt([[0, 0, 10, 10]]),
          'e/noface': image_gt(np.zeros((0, 4)))}
    preds = {'e/a': [[0, 0, 10, 10, 0.5]],
             'e/c': None,  # as read_submission_dir reports a missing file
             # An image without faces adds no false positive, but its score
             # (the maximum) takes part in the normalisation.
             'e/noface': [[0, 0, 10, 10, 0.9]],
             'e/not_in_gt': [[0, 0, 10, 10, 5.0]]}
    res = evaluate_wider_face(preds, gt)['hard']
    assert res.num_faces == 3
    assert np.nanmax(res.recall) == pytest.approx(1 / 3)
    assert res.ap == pytest.approx(1 / 3)


def test_unsorted_predictions_and_ties_keep_file_order():
    gt = {'e/a': image_gt([[0, 0, 10, 10], [50, 50, 10, 10]])}
    rows = [[0, 0, 10, 10, 0.2], [90, 90, 5, 5, 0.9], [50, 50, 10, 10, 0.5],
            [1, 1, 10, 10, 0.5]]
    ref = aps(evaluate_wider_face({'e/a': rows}, gt))
    rng = np.random.default_rng(0)
    for _ in range(3):
        shuffled = [rows[i] for i in rng.permutation(len(rows))]
        assert aps(evaluate_wider_face({'e/a': shuffled}, gt)) == ref
    # Tied scores: the first in the file is the first hit, the other the
    # duplicate. With A's hit first, B's is first too: both recalled.
    tie = [[0, 0, 10, 10, 0.5], [50, 50, 10, 10, 0.5], [1, 1, 10, 10, 0.5]]
    res = evaluate_wider_face({'e/a': tie}, gt)['hard']
    assert res.recall[-1] == 1.0 and res.precision[-1] == pytest.approx(2 / 3)


def test_rejects_bad_prediction_arrays():
    gt = {'e/a': image_gt([[0, 0, 10, 10]])}
    with pytest.raises(ValueError, match='shape'):
        evaluate_wider_face({'e/a': np.zeros((2, 4))}, gt)
    with pytest.raises(ValueError, match='NaN'):
        evaluate_wider_face({'e/a': [[0, 0, 10, 10, np.nan]]}, gt)


def test_empty_subset_and_no_predictions():
    gt = {'e/a': image_gt([[0, 0, 10, 10]], easy=[False])}
    res = evaluate_wider_face({}, gt)
    assert np.isnan(res['easy'].ap) and res['easy'].num_faces == 0
    assert res['hard'].ap == 0.0


# -------------------------------------------------------------------- AP


def test_voc_ap_envelope_by_hand():
    # mrec [0, .2, .4, .4, .8, 1], mpre [0, 1, .5, .8, .4, 0]
    # envelope [1, 1, .8, .8, .4, 0]; recall steps .2*1 + .2*.8 + .4*.4 = .52
    ap = voc_ap(np.array([0.2, 0.4, 0.4, 0.8]), np.array([1.0, 0.5, 0.8, 0.4]))
    assert ap == pytest.approx(0.52)


def test_tiny_case_ap_by_hand():
    # Two faces; scores already span [0, 1] so normalisation keeps them:
    #   p1 1.00 hits A, p2 0.75 false positive, p3 0.00 hits B.
    # thresholds 0.999 .. 0.751 (i 0..248): p1        -> P 1,   R 1/2
    # thresholds 0.750 .. 0.001 (i 249..998): p1, p2  -> P 1/2, R 1/2
    # threshold 0 (i 999): all                        -> P 2/3, R 1
    # envelope: 1 up to R 1/2, then 2/3 -> AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
    gt = {'e/a': image_gt([[0, 0, 10, 10], [50, 50, 10, 10]])}
    preds = {'e/a': [[0, 0, 10, 10, 1.0], [90, 0, 10, 10, 0.75],
                     [50, 50, 10, 10, 0.0]]}
    res = evaluate_wider_face(preds, gt)['hard']
    assert res.precision[248] == 1.0 and res.precision[249] == 0.5
    assert res.precision[998] == 0.5 and res.precision[999] == pytest.approx(2 / 3)
    assert res.recall[998] == 0.5 and res.recall[999] == 1.0
    assert res.ap == pytest.approx(5 / 6)


# ------------------------------------------------ independent reference


def reference_iou(a, b):
    """IoU of two x y w h boxes, the +1-pixel way, one pair at a time."""
    ax2, ay2 = a[0] + a[2], a[1] + a[3]
    bx2, by2 = b[0] + b[2], b[1] + b[3]
    iw = min(ax2, bx2) - max(a[0], b[0]) + 1
    ih = min(ay2, by2) - max(a[1], b[1]) + 1
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a[2] + 1) * (a[3] + 1) + (b[2] + 1) * (b[3] + 1) - inter
    return inter / union


def reference_ap(preds, gt, subset):
    """Plain loops over images, predictions and thresholds."""
    scores = [row[4] for key in gt if preds.get(key) is not None
              for row in preds[key]]
    lo, hi = (min(scores), max(scores)) if scores else (0.0, 0.0)
    proposals = [0] * 1000
    recalled = [0] * 1000
    num_faces = 0
    for key, img in gt.items():
        boxes = img.boxes.tolist()
        in_subset = img.subsets[subset].tolist()
        num_faces += sum(in_subset)
        if preds.get(key) is None or not len(preds[key]) or not boxes:
            continue
        order = sorted(range(len(preds[key])), key=lambda i: -preds[key][i][4])
        rows = [list(preds[key][i]) for i in order]
        norm = [(r[4] - lo) / (hi - lo) if hi > lo else 1.0 for r in rows]
        face_state = [0] * len(boxes)   # 1 recalled, -1 hit but ignored
        is_proposal = [True] * len(rows)
        recall_after = []
        for h, row in enumerate(rows):
            best, best_iou = -1, -1.0
            for j, box in enumerate(boxes):
                o = reference_iou(row[:4], box)
                if o > best_iou:
                    best, best_iou = j, o
            if best_iou >= 0.5:
                if not in_subset[best]:
                    face_state[best] = -1
                    is_proposal[h] = False
                elif face_state[best] == 0:
                    face_state[best] = 1
            recall_after.append(face_state.count(1))
        for t in range(1000):
            thr = 1 - (t + 1) / 1000
            last = -1
            for h in range(len(rows)):
                if norm[h] >= thr:
                    last = h
            if last >= 0:
                proposals[t] += sum(is_proposal[:last + 1])
                recalled[t] += recall_after[last]
    precision = [r / p if p else 0.0 for r, p in zip(recalled, proposals)]
    recall = [r / num_faces for r in recalled]
    mrec = [0.0] + recall + [1.0]
    mpre = [0.0] + precision + [0.0]
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    return sum((mrec[i] - mrec[i - 1]) * mpre[i]
               for i in range(1, len(mrec)) if mrec[i] != mrec[i - 1])


def random_dataset(seed, num_images=10):
    rng = np.random.default_rng(seed)
    gt, preds = {}, {}
    for i in range(num_images):
        key = f'{i % 3}--Event/img_{i}'
        n = int(rng.integers(0, 6)) if i % 4 else 0
        boxes = np.column_stack([rng.integers(0, 200, (n, 2)),
                                 rng.integers(0, 40, (n, 2))]).astype(float)
        hard = rng.random(n) < 0.9
        medium = hard & (rng.random(n) < 0.7)
        easy = medium & (rng.random(n) < 0.6)
        gt[key] = WiderFaceImageGT(
            boxes, dict(easy=easy, medium=medium, hard=hard))
        if i % 5 == 3:
            continue  # no prediction file
        rows = []
        for box in boxes:
            for _ in range(int(rng.integers(0, 3))):  # misses and duplicates
                jitter = rng.normal(0, 0.15 * (box[2:] + 1), 2)
                rows.append([*(box[:2] + jitter), *box[2:], rng.random()])
        for _ in range(int(rng.integers(0, 4))):  # false positives
            rows.append([*rng.integers(0, 200, 2), *rng.integers(0, 40, 2),
                         rng.random()])
        rows = np.array(rows).reshape(-1, 5)
        # Coarse scores create ties; scaling checks the normalisation.
        rows[:, 4] = np.round(rows[:, 4], 1) * 7 - 2
        preds[key] = rows
    return preds, gt


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_naive_reference_on_random_data(seed):
    preds, gt = random_dataset(seed)
    res = evaluate_wider_face(preds, gt)
    for s in WIDER_FACE_SUBSETS:
        assert res[s].ap == pytest.approx(reference_ap(preds, gt, s),
                                          abs=1e-12), s
    # The random data must exercise the rules, not only trivial cases.
    assert 0.05 < res['hard'].ap < 0.95


# ------------------------------------------------------------ gt readers


def test_mat_and_coco_readers_agree(tiny_wider):
    from_mat = load_wider_gt_mat(tiny_wider.gt_dir)
    from_coco = load_wider_gt_coco(tiny_wider.ann_file)
    assert list(from_mat) == list(from_coco) == list(tiny_wider.boxes)
    for key, boxes in tiny_wider.boxes.items():
        for gt in (from_mat[key], from_coco[key]):
            np.testing.assert_array_equal(
                gt.boxes, np.array(boxes, dtype=float).reshape(-1, 4))
            for s in WIDER_FACE_SUBSETS:
                expected = np.zeros(len(boxes), dtype=bool)
                expected[np.array(tiny_wider.gt_lists[s][key], int) - 1] = True
                np.testing.assert_array_equal(gt.subsets[s], expected)
    res_mat = evaluate_wider_face(tiny_wider.preds, from_mat)
    res_coco = evaluate_wider_face(tiny_wider.preds, from_coco)
    assert aps(res_mat) == aps(res_coco)
    assert aps(res_mat) == pytest.approx(tiny_wider.aps)


def test_coco_reader_needs_val_fields(tmp_path, tiny_wider):
    import json
    coco = json.loads(pathlib.Path(tiny_wider.ann_file).read_text())
    del coco['annotations'][0]['subsets']
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(coco))
    with pytest.raises(ValueError, match='subsets'):
        load_wider_gt_coco(str(path))


def test_mat_reader_missing_file(tmp_path):
    with pytest.raises(InputFileError,
                       match='wider_face_val.mat: file not found'):
        load_wider_gt_mat(str(tmp_path))


@pytest.mark.parametrize('name, change, message', [
    ('wider_hard_val.mat', 'drop gt_list', "missing variable(s) ['gt_list']"),
    ('wider_medium_val.mat', 'index 4',
     'ValueError: medium gt_list of 0--Parade/img_a has indices [1.0, 4.0] '
     'outside 1..3'),
    ('wider_easy_val.mat', 'other images',
     'ValueError: easy gt_list lists other images than wider_face_val.mat'),
    ('wider_face_val.mat', 'image twice',
     'ValueError: file_list lists 0--Parade/img_a twice'),
])
def test_mat_reader_names_the_file(tiny_wider, tmp_path, name, change,
                                   message):
    events, gt_lists = dict(tiny_wider_module.EVENTS), {
        s: dict(keep) for s, keep in tiny_wider.gt_lists.items()}
    boxes = dict(tiny_wider.boxes)
    if change == 'index 4':
        gt_lists['medium']['0--Parade/img_a'] = [1, 4]
    elif change == 'other images':
        events['0--Parade'] = ['img_a']
    elif change == 'image twice':
        events['0--Parade'] = ['img_a', 'img_a', 'img_b']
    other = tmp_path / 'other'
    other.mkdir()
    tiny_wider_module.write_wider_mats(other, events, boxes, gt_lists)
    path = pathlib.Path(tiny_wider.gt_dir) / name
    if change == 'drop gt_list':
        mat = scipy.io.loadmat(str(path))
        scipy.io.savemat(str(path), {k: v for k, v in mat.items()
                                     if k in ('event_list', 'file_list')})
    else:
        path.write_bytes((other / name).read_bytes())
    with pytest.raises(InputFileError) as info:
        load_wider_gt_mat(tiny_wider.gt_dir)
    assert (info.value.file, info.value.line) == (str(path), None)
    assert message in info.value.message


def test_mat_reader_raises_the_given_error_class(tmp_path):
    class FormatError(InputFileError):
        pass

    with pytest.raises(FormatError, match='wider_face_val.mat: file not found'):
        load_wider_gt_mat(str(tmp_path), FormatError)


def test_image_key():
    assert wider_image_key('data/WIDER_val/images/0--Parade/0_a_1.jpg') == \
        '0--Parade/0_a_1'
    assert wider_image_key('0--Parade\\0_a_1.txt') == '0--Parade/0_a_1'


def test_functional_does_not_import_torch_or_mmdet():
    folder = (pathlib.Path(wfe.__file__).parent)
    for path in folder.glob('*.py'):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or '']
            else:
                continue
            for name in names:
                assert name.split('.')[0] not in ('torch', 'mmdet', 'mmcv',
                                                  'mmengine'), (path, name)
