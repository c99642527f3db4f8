"""The WIDER FACE and FDDB protocols and their reports, with numpy and scipy
only.

Nothing here imports torch or MMDetection: ``tools/wider_eval.py`` and
``tools/fddb_eval.py`` evaluate detection files with these modules alone.
"""
from .fddb_protocol import (
    FDDB_DISCRETE_RATIO_THR,
    FDDB_TPR_AT_FPS,
    FDDBImage,
    fddb_roc,
    match_image,
    match_scores,
    tpr_at_fp,
)
from .fddb_report import (
    fddb_summary,
    format_fddb_table,
    plot_roc_curves,
    write_roc_file,
)
from .wider_face_eval import (
    WIDER_FACE_IOU_THR,
    WIDER_FACE_NUM_THRS,
    WIDER_FACE_PIXEL_OFFSET,
    WIDER_FACE_SUBSETS,
    WiderFaceImageGT,
    WiderFaceResult,
    dataset_pr_curve,
    evaluate_wider_face,
    image_evaluation,
    image_pr_counts,
    match_predictions,
    normalize_scores,
    sort_predictions,
    voc_ap,
    wider_face_iou,
    wider_face_score_thresholds,
)
from .wider_face_gt import (
    WIDER_FACE_GT_DIR,
    WIDER_FACE_SUBSET_MATS,
    WIDER_FACE_VAL_MAT,
    coco_image_keys,
    load_wider_gt_coco,
    load_wider_gt_mat,
    parse_wider_gt_coco,
    parse_wider_gt_mat,
    wider_image_key,
)
from .wider_face_report import format_ap_table, plot_pr_curves
from .wider_submission import (
    SubmissionFormatError,
    bbox_xyxy_to_wider_xywh,
    format_submission,
    parse_submission,
    read_submission,
    read_submission_dir,
    unknown_submission_files,
    write_submission_dir,
)

__all__ = [
    'FDDB_DISCRETE_RATIO_THR', 'FDDB_TPR_AT_FPS', 'FDDBImage', 'fddb_roc',
    'fddb_summary', 'format_fddb_table', 'match_image', 'match_scores',
    'plot_roc_curves', 'tpr_at_fp', 'write_roc_file',
    'WIDER_FACE_IOU_THR', 'WIDER_FACE_NUM_THRS', 'WIDER_FACE_PIXEL_OFFSET',
    'WIDER_FACE_SUBSETS', 'WiderFaceImageGT', 'WiderFaceResult',
    'dataset_pr_curve', 'evaluate_wider_face', 'image_evaluation',
    'image_pr_counts', 'match_predictions', 'normalize_scores',
    'sort_predictions', 'voc_ap', 'wider_face_iou',
    'wider_face_score_thresholds', 'WIDER_FACE_SUBSET_MATS',
    'WIDER_FACE_GT_DIR', 'WIDER_FACE_VAL_MAT', 'coco_image_keys', 'load_wider_gt_coco',
    'load_wider_gt_mat', 'parse_wider_gt_coco', 'parse_wider_gt_mat',
    'wider_image_key', 'format_ap_table', 'plot_pr_curves',
    'SubmissionFormatError', 'bbox_xyxy_to_wider_xywh', 'format_submission',
    'parse_submission', 'read_submission', 'read_submission_dir',
    'unknown_submission_files', 'write_submission_dir'
]
