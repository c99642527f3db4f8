"""FDDB's discrete and continuous ROC as an MMEngine metric."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.fileio import load
from mmengine.logging import MMLogger

from ...data_formats.fddb_detections import write_fddb_detections
from ..functional import (
    FDDB_TPR_AT_FPS,
    FDDBImage,
    fddb_roc,
    fddb_summary,
    format_fddb_table,
    plot_roc_curves,
)


def parse_fddb_gt_coco(coco: dict, folds: Optional[Sequence[int]] = None,
                       ann_file: str = 'ann_file') -> Dict[int, dict]:
    """Per image id its FDDB path, fold, size and ellipses.

    Args:
        coco (dict): The COCO dict of ``tools/dataset_converters/
            fddb_to_coco.py``: images with ``file_name`` (``<path>.jpg``),
            ``width``, ``height`` and ``fold``; annotations with
            ``ellipse`` ``[ra, rb, theta, cx, cy]``.
        folds (Sequence[int], optional): Keep the images of these folds;
            all when None.
        ann_file (str): Its file, for messages.

    Returns:
        dict[int, dict]: ``{'path', 'fold', 'height', 'width', 'ellipses'
        (F, 5)}`` per image id, in the file's image order.

    Raises:
        ValueError: An image without ``fold``, an annotation without
            ``ellipse``, or a fold asked for that the file does not hold,
            naming ``ann_file``.
    """
    images = {}
    for image in coco['images']:
        if 'fold' not in image:
            raise ValueError(
                f'{ann_file}: image {image["id"]} ({image["file_name"]}) has '
                'no "fold": not a COCO JSON of fddb_to_coco.py')
        images[image['id']] = dict(
            path=osp.splitext(image['file_name'])[0], fold=int(image['fold']),
            height=int(image['height']), width=int(image['width']),
            ellipses=[])
    for ann in coco['annotations']:
        if 'ellipse' not in ann:
            raise ValueError(f'{ann_file}: annotation {ann["id"]} has no '
                             '"ellipse": not a COCO JSON of fddb_to_coco.py')
        images[ann['image_id']]['ellipses'].append(ann['ellipse'])
    if folds is not None:
        missing = sorted(set(folds) - {i['fold'] for i in images.values()})
        if missing:
            raise ValueError(f'{ann_file}: holds no image of fold(s) '
                             f'{missing}')
        images = {k: v for k, v in images.items() if v['fold'] in folds}
    for image in images.values():
        image['ellipses'] = np.asarray(image['ellipses'],
                                       dtype=np.float64).reshape(-1, 5)
    return images


@METRICS.register_module()
class FDDBMetric(BaseMetric):
    """FDDB evaluation with the official program's rules.

    The discrete and continuous ROC of
    :mod:`mmfacerfcn.evaluation.functional.fddb_protocol` over every image of
    the chosen folds: an image that was not processed counts as one without
    detections. Reported: the true positive rate at 500, 1000 and 2000 false
    positives for both scores (``fddb/disc_tpr@500`` ...), the figures Face
    R-FCN's papers quote from the discrete ROC.

    Predicted boxes (``x1 y1 x2 y2``, original image pixels) become FDDB's
    ``x y w h`` with ``w = x2 - x1``; the protocol rasterises both corners.

    Args:
        ann_file (str): The COCO JSON of
            ``tools/dataset_converters/fddb_to_coco.py`` (ellipses and folds
            kept); images are matched by ``img_id``.
        folds (Sequence[int], optional): Evaluate these folds only (FDDB has
            ten; the detections of other images are ignored). Defaults to
            None: every image of ``ann_file``.
        outfile_dir (str, optional): Write the detections in the official
            format there, one ``fold-XX-out.txt`` per fold (what FDDB's
            program and ``tools/fddb_eval.py`` read). Defaults to None.
        roc_curve_file (str, optional): PNG of the two ROC curves;
            ``tools/test.py`` places a relative path in the work dir.
            Defaults to None (none drawn).
        fps (Sequence[int]): False-positive counts of the reported TPRs.
            Defaults to (500, 1000, 2000).
        backend_args (dict, optional): Arguments of the file backend reading
            ``ann_file``.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to None
            (``default_prefix``, 'fddb').
    """
    default_prefix: Optional[str] = 'fddb'

    def __init__(self,
                 ann_file: str,
                 folds: Optional[Sequence[int]] = None,
                 outfile_dir: Optional[str] = None,
                 roc_curve_file: Optional[str] = None,
                 fps: Sequence[int] = FDDB_TPR_AT_FPS,
                 backend_args: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.outfile_dir = outfile_dir
        self.roc_curve_file = roc_curve_file
        self.fps = tuple(fps)
        self._gt = parse_fddb_gt_coco(
            load(ann_file, backend_args=backend_args), folds, ann_file)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Collect the predictions of one batch.

        Args:
            data_batch (dict): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): With ``img_id`` and
                ``pred_instances`` holding ``bboxes`` (Tensor (N, 4),
                ``x1 y1 x2 y2``, original pixels) and ``scores`` (N,).
        """
        for data_sample in data_samples:
            pred = data_sample['pred_instances']
            self.results.append(
                dict(img_id=data_sample['img_id'],
                     bboxes=pred['bboxes'].cpu().numpy(),
                     scores=pred['scores'].cpu().numpy()))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """The TPRs at :attr:`fps` false positives, discrete and continuous.

        Args:
            results (list[dict]): What :meth:`process` collected on all
                ranks.

        Returns:
            dict[str, float]: ``disc_tpr@N`` and ``cont_tpr@N`` per N.
        """
        logger: MMLogger = MMLogger.get_current_instance()
        detections = {}
        for result in results:
            boxes = np.asarray(result['bboxes'], dtype=np.float64)
            xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]],
                                  axis=1)
            detections[result['img_id']] = np.concatenate(
                [xywh, np.asarray(result['scores'],
                                  dtype=np.float64).reshape(-1, 1)], axis=1)
        ignored = [k for k in detections if k not in self._gt]
        if ignored:
            logger.info(f'{len(ignored)} evaluated images are not in the '
                        'chosen folds and are ignored')
        unseen = sum(k not in detections for k in self._gt)
        if unseen:
            logger.warning(f'{unseen} of {len(self._gt)} annotated images '
                           'were not evaluated; they count as images without '
                           'detections')
        empty = np.zeros((0, 5))
        images = [
            FDDBImage(gt['ellipses'], detections.get(k, empty), gt['height'],
                      gt['width']) for k, gt in self._gt.items()
        ]
        if self.outfile_dir is not None:
            self._write_detections(detections)
            logger.info(f'FDDB detection files written to {self.outfile_dir}')
        roc = fddb_roc(images)
        summary = fddb_summary(roc, self.fps)
        logger.info(f'FDDB ({len(images)} images, {roc["num_faces"]} faces, '
                    'official rules):\n' + format_fddb_table(summary))
        if self.roc_curve_file is not None:
            plot_roc_curves({'model': roc}, self.roc_curve_file)
            logger.info(f'ROC curves saved to {self.roc_curve_file}')
        return summary

    def _write_detections(self, detections: Dict[int, np.ndarray]) -> None:
        """One official detection file per fold, images in ``ann_file``'s
        order, each annotated image listed (with 0 detections if unseen)."""
        empty = np.zeros((0, 5))
        os.makedirs(self.outfile_dir, exist_ok=True)
        for fold in sorted({gt['fold'] for gt in self._gt.values()}):
            entries = [(gt['path'], detections.get(k, empty))
                       for k, gt in self._gt.items() if gt['fold'] == fold]
            write_fddb_detections(
                osp.join(self.outfile_dir, f'fold-{fold:02d}-out.txt'),
                entries)
