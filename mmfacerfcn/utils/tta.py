"""Test-time augmentation from a config's ``tta_model`` and ``tta_pipeline``.

mmdet's configs describe TTA with two keys: ``tta_pipeline`` (a
``TestTimeAug`` transform that packs each picture once per scale and flip) and
``tta_model`` (a ``BaseTTAModel``, e.g. ``DetTTAModel``, that runs the detector
on each and merges the detections). ``tools/test.py --tta`` puts them into
the Runner's config (:func:`use_tta_in_runner_cfg`); ``tools/infer.py`` and
the comparison of face detectors run the model on arrays
(:func:`array_test_pipeline`, :func:`wrap_for_tta`, :func:`tta_predict`). One
place, so that the three run the same augmentation.
"""
from typing import List, Sequence

import numpy as np
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from torch import nn

#: The loading step of a pipeline fed with arrays (mmdet's scope).
FROM_ARRAY = dict(type='mmdet.LoadImageFromNDArray')


def check_tta_cfg(cfg: Config, config_path: str) -> None:
    """Refuse a config without ``tta_model`` and ``tta_pipeline`` (absent
    or set to None, as a config inheriting them may turn them off).

    Raises:
        ValueError: naming the config file.
    """
    missing = [key for key in ('tta_model', 'tta_pipeline')
               if cfg.get(key) is None]
    if missing:
        raise ValueError(f'{config_path}: defines no {" or ".join(missing)} '
                         '(needed for --tta)')


def use_tta_in_runner_cfg(cfg: Config, config_path: str) -> None:
    """Make the Runner test with TTA: the model wrapped in ``tta_model``,
    the test dataloader's pipeline replaced by ``tta_pipeline``.

    Args:
        cfg (Config): The runner config; changed in place.
        config_path (str): Its file, for the error.
    """
    check_tta_cfg(cfg, config_path)
    cfg.model = dict(cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def array_test_pipeline(cfg: Config, tta: bool = False) -> Compose:
    """The config's test pipeline (or ``tta_pipeline``) fed with BGR arrays
    instead of files: its first step becomes ``LoadImageFromNDArray``.

    Args:
        cfg (Config): The model's config.
        tta (bool): Use ``tta_pipeline``. Defaults to False.

    Returns:
        Compose: ``dict(img=array, img_id=i)`` -> packed inputs (one entry,
        or with TTA one per augmentation).
    """
    if tta:
        steps = list(cfg.tta_pipeline)
    else:
        # mmdet's helper finds it in test_dataloader or test_pipeline.
        from mmdet.utils import get_test_pipeline_cfg
        steps = list(get_test_pipeline_cfg(cfg))
    if not steps or 'LoadImage' not in steps[0].get('type', ''):
        raise ValueError('the test pipeline must start by loading the image, '
                         f'not with {steps[0] if steps else "nothing"}')
    return Compose([FROM_ARRAY] + steps[1:])


def wrap_for_tta(model: nn.Module, cfg: Config) -> nn.Module:
    """The detector (weights loaded) inside the config's ``tta_model``.

    The caller has checked the config with :func:`check_tta_cfg` (before
    loading the weights, so a config without TTA fails fast).

    Args:
        model (nn.Module): A detector with ``test_step``.
        cfg (Config): Its config.

    Returns:
        nn.Module: The TTA model (``test_step`` takes what
        :func:`tta_predict` gives it). It carries the detector's ``cfg``
        and ``dataset_meta``.
    """
    from mmdet.registry import MODELS
    tta_model = MODELS.build(dict(cfg.tta_model, module=model))
    tta_model.cfg = getattr(model, 'cfg', cfg)
    tta_model.dataset_meta = getattr(model, 'dataset_meta', None)
    return tta_model.eval()


def tta_predict(tta_model: nn.Module, pipeline: Compose,
                images: Sequence[np.ndarray]) -> List:
    """Detections of pictures, each run at every augmentation of the TTA
    pipeline and merged by the TTA model.

    One picture at a time: each augmentation is then a batch of one and gets
    exactly the input (size, padding) it gets in ``tools/test.py --tta``.

    Args:
        tta_model (nn.Module): From :func:`wrap_for_tta`.
        pipeline (Compose): ``array_test_pipeline(cfg, tta=True)``.
        images (Sequence[np.ndarray]): BGR, (H, W, 3) each.

    Returns:
        list[DetDataSample]: One per picture, boxes in its pixels.
    """
    import torch
    results = []
    with torch.no_grad():
        for i, image in enumerate(images):
            packed = pipeline(dict(img=image, img_id=i))
            # (augmentations,) lists -> one batch of one per augmentation.
            results.extend(tta_model.test_step(pseudo_collate([packed])))
    return results
