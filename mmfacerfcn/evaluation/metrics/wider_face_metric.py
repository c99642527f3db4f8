"""WIDER FACE Easy / Medium / Hard AP as an MMEngine metric."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.fileio import get, load
from mmengine.logging import MMLogger

from ...utils.input_files import load_mat
from ..functional import (
    WIDER_FACE_SUBSET_MATS,
    WIDER_FACE_SUBSETS,
    WIDER_FACE_VAL_MAT,
    bbox_xyxy_to_wider_xywh,
    coco_image_keys,
    evaluate_wider_face,
    format_ap_table,
    parse_wider_gt_coco,
    parse_wider_gt_mat,
    plot_pr_curves,
    wider_image_key,
    write_submission_dir,
)


@METRICS.register_module()
class WiderFaceMetric(BaseMetric):
    """WIDER FACE evaluation with the official protocol.

    Computes the AP of the Easy, Medium and Hard subsets exactly as the official
    ``eval_tools`` do (see :mod:`mmfacerfcn.evaluation.functional.wider_face_eval`),
    over every image of the ground truth: images that were not processed count
    as images without detections.

    Predicted boxes (``x1 y1 x2 y2`` in original image coordinates) become the
    official ``x y w h`` with ``w = x2 - x1``, the inverse of how the COCO
    ``bbox`` became corner boxes for training; the protocol's +1 pixel is
    applied by the IoU only.

    Args:
        ann_file (str, optional): the val COCO JSON of
            ``tools/dataset_converters/wider_face_to_coco.py`` (with
            ``face_index``, ``wider_bbox`` and ``subsets``). Images are
            matched by ``img_id``.
        gt_dir (str, optional): folder with ``wider_face_val.mat`` and
            ``wider_{easy,medium,hard}_val.mat``, used instead of
            ``ann_file``. Images are matched by the last two components of
            ``img_path`` (``<event>/<name>``).
        outfile_prefix (str, optional): folder where the predictions of every
            processed image are written in the submission format,
            ``<outfile_prefix>/<event>/<name>.txt``; an image whose
            ``<event>/<name>`` would leave the folder (``..`` in ``img_path``
            or in the annotation's ``file_name``) is an error raised before
            any file is written. Defaults to None (none written).
        pr_curve_file (str, optional): PNG path for the three
            precision-recall curves; ``tools/train.py`` and ``tools/test.py``
            (and so ``mim train``/``mim test``) place a relative path in the
            run's work dir. Defaults to None (none drawn).
        format_only (bool): only write the submission files (e.g. for the
            test split, which has no ground truth); needs ``outfile_prefix``.
            ``ann_file`` then only maps ``img_id`` to image names and may be
            the test JSON; without it ``img_path`` is used. Defaults to False.
        backend_args (dict, optional): arguments of the file backend reading
            ``ann_file`` / ``gt_dir``. Defaults to None.
        collect_device (str): device used to collect results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): prefix of the metric names. Defaults to None
            (``default_prefix``, 'wider_face').
    """
    default_prefix: Optional[str] = 'wider_face'

    def __init__(self,
                 ann_file: Optional[str] = None,
                 gt_dir: Optional[str] = None,
                 outfile_prefix: Optional[str] = None,
                 pr_curve_file: Optional[str] = None,
                 format_only: bool = False,
                 backend_args: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if ann_file is not None and gt_dir is not None:
            raise ValueError('give either ann_file or gt_dir, not both')
        if format_only:
            if outfile_prefix is None:
                raise ValueError('format_only needs outfile_prefix')
        elif ann_file is None and gt_dir is None:
            raise ValueError('WiderFaceMetric needs ann_file (val COCO JSON) '
                             'or gt_dir (official .mat files)')
        self.outfile_prefix = outfile_prefix
        self.pr_curve_file = pr_curve_file
        self.format_only = format_only
        self.backend_args = backend_args

        # img_id -> "<event>/<name>"; None: take it from img_path.
        self._id_to_key: Optional[Dict[int, str]] = None
        self._gt = None
        if ann_file is not None:
            coco = load(ann_file, backend_args=backend_args)
            self._id_to_key = coco_image_keys(coco)
            if not format_only:
                self._gt = parse_wider_gt_coco(coco)
        elif gt_dir is not None and not format_only:
            self._gt = parse_wider_gt_mat(
                self._load_mat(gt_dir, WIDER_FACE_VAL_MAT),
                {s: self._load_mat(gt_dir, f)
                 for s, f in WIDER_FACE_SUBSET_MATS.items()})

    def _load_mat(self, gt_dir: str, name: str) -> dict:
        path = osp.join(gt_dir, name)
        return load_mat(path, get(path, backend_args=self.backend_args))

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Collect the predictions of one batch.

        Args:
            data_batch (dict): a batch from the dataloader (unused).
            data_samples (Sequence[dict]): data samples with ``img_id``,
                ``img_path`` and ``pred_instances`` holding ``bboxes``
                (Tensor (N, 4), ``x1 y1 x2 y2``, original image coordinates)
                and ``scores`` (Tensor (N,)).
        """
        for data_sample in data_samples:
            pred = data_sample['pred_instances']
            self.results.append(
                dict(img_id=data_sample.get('img_id'),
                     img_path=data_sample.get('img_path'),
                     bboxes=pred['bboxes'].cpu().numpy(),
                     scores=pred['scores'].cpu().numpy()))

    def _image_key(self, result: dict) -> str:
        if self._id_to_key is not None and result['img_id'] is not None:
            try:
                return self._id_to_key[result['img_id']]
            except KeyError:
                raise KeyError(f'img_id {result["img_id"]} is not in '
                               'ann_file') from None
        if result['img_path'] is None:
            raise KeyError('data samples need img_path (or img_id with '
                           'ann_file) to be matched to the ground truth')
        return wider_image_key(result['img_path'])

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the subset APs from the collected predictions.

        Args:
            results (List[dict]): what :meth:`process` collected on all ranks.

        Returns:
            Dict[str, float]: ``{'easy': AP, 'medium': AP, 'hard': AP}``; an
            empty dict with ``format_only``.
        """
        logger: MMLogger = MMLogger.get_current_instance()
        preds = {}
        for result in results:
            boxes = bbox_xyxy_to_wider_xywh(result['bboxes'])
            scores = np.asarray(result['scores'], dtype=np.float64)
            preds[self._image_key(result)] = np.concatenate(
                [boxes, scores.reshape(-1, 1)], axis=1)

        if self.outfile_prefix is not None:
            write_submission_dir(self.outfile_prefix, preds)
            logger.info(f'WIDER FACE submission files of {len(preds)} images '
                        f'written to {self.outfile_prefix}')
        if self.format_only:
            return {}

        unknown = [k for k in preds if k not in self._gt]
        if unknown:
            logger.warning(f'{len(unknown)} evaluated images are not in the '
                           f'ground truth and are ignored, e.g. {unknown[0]}')
        unseen = len(self._gt) - (len(preds) - len(unknown))
        if unseen:
            logger.warning(f'{unseen} of {len(self._gt)} ground-truth images '
                           'were not evaluated; they count as images without '
                           'detections')

        subset_results = evaluate_wider_face(preds, self._gt)
        aps = {s: subset_results[s].ap for s in WIDER_FACE_SUBSETS}
        for s, res in subset_results.items():
            if res.num_faces == 0:
                logger.warning(f'the {s} subset has no face: its AP is NaN')
        logger.info('WIDER FACE AP (official protocol):\n' +
                    format_ap_table(aps))
        if self.pr_curve_file is not None:
            plot_pr_curves(subset_results, self.pr_curve_file)
            logger.info(f'precision-recall curves saved to '
                        f'{self.pr_curve_file}')
        return aps
