"""Where our configs are, and small detectors built from them for tests.

:data:`CONFIGS` is the repository's ``configs/`` in a source or editable
checkout, else the ``mmfacerfcn/.mim/configs`` an installed package ships
(openmim's layout, see setup.py). From there: the ResNet-18 model config, a
checkpoint of it with random weights, and a runner config that trains it on
a few generated images.
"""
import os.path as osp
from typing import List, Optional, Sequence

import torch
from mmengine.config import Config
from torch import nn

#: The ``mmfacerfcn`` package folder.
PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The source checkout's root (in an installed package, site-packages):
#: tests find ``tools/`` there.
REPO = osp.dirname(PACKAGE)
#: A file every configs folder of ours holds: how a candidate is recognised
#: (a bare ``configs/`` next to the package may be another project's).
CONFIG_MARKER = osp.join('_base_', 'models', 'face_rfcn_r101.py')


def config_dir_candidates() -> List[str]:
    """Where :func:`find_config_dir` looks, in order.

    Returns:
        list[str]: The repository's ``configs/`` next to the package, then
        the package's ``.mim/configs``.
    """
    return [osp.join(REPO, 'configs'), osp.join(PACKAGE, '.mim', 'configs')]


def find_config_dir(candidates: Optional[Sequence[str]] = None) -> str:
    """The first folder of ``candidates`` that holds our configs.

    Args:
        candidates (Sequence[str], optional): Folders to try, in order;
            default :func:`config_dir_candidates`.

    Returns:
        str: The folder.

    Raises:
        FileNotFoundError: None holds :data:`CONFIG_MARKER`; the message
            names every place tried.
    """
    if candidates is None:
        candidates = config_dir_candidates()
    for folder in candidates:
        if osp.isfile(osp.join(folder, CONFIG_MARKER)):
            return folder
    raise FileNotFoundError(
        f'mmfacerfcn configs not found: no {CONFIG_MARKER} under '
        + ' or '.join(candidates) + ' (a source checkout has configs/ next '
        'to the package; an installed package ships them in .mim/configs)')


#: Our ``configs/`` folder (see :func:`find_config_dir`).
CONFIGS = find_config_dir()


def small_model_cfg():
    """The ResNet-18 Face R-FCN model config (configs/_base_/models/)."""
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_/models/face_rfcn_r18.py'))
    return cfg.model


def save_test_checkpoint(model: nn.Module, path) -> str:
    """Save ``model``'s weights as our runner saves a checkpoint:
    ``state_dict`` and the dataset's classes (``('face', )``) in ``meta``.

    Args:
        model (nn.Module): The detector.
        path (str | pathlib.Path): Where to write it.

    Returns:
        str: ``path``.
    """
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': {'classes': ('face', )}}}, path)
    return str(path)


def write_random_checkpoint(path, config=None):
    """A checkpoint of ``config``'s model with seed-0 random weights, saved by
    :func:`save_test_checkpoint`.

    Args:
        path (str | pathlib.Path): Where to write it.
        config (str, optional): Config file; default the embedded sample's
            (the default of ``tools/infer.py``).

    Returns:
        str: ``path``.
    """
    from mmdet.registry import MODELS
    config = config or osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    return save_test_checkpoint(model, path)


def write_tiny_coco(root, num_images=4, seed=0):
    """A few JPEGs with painted 'faces' and their COCO JSON, in ``root``.

    Returns:
        str: path of the annotation file (images live in ``root/images``).
    """
    import cv2
    import mmengine
    import numpy as np
    rng = np.random.default_rng(seed)
    img_dir = osp.join(root, 'images')
    mmengine.mkdir_or_exist(img_dir)
    images, anns = [], []
    for i in range(num_images):
        h, w = 96 + 16 * (i % 2), 128
        img = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
        name = f'img{i}.jpg'
        for j in range(i % 3):  # 0, 1 or 2 faces: empty images included
            x, y = 10 + 50 * j, 20
            img[y:y + 40, x:x + 32] = rng.integers(150, 255, (40, 32, 3))
            anns.append(dict(id=len(anns) + 1, image_id=i + 1, category_id=1,
                             bbox=[x, y, 32, 40], area=32 * 40, iscrowd=0))
        cv2.imwrite(osp.join(img_dir, name), img)
        images.append(dict(id=i + 1, file_name=name, width=w, height=h))
    ann_file = osp.join(root, 'tiny.json')
    mmengine.dump(dict(images=images, annotations=anns,
                       categories=[dict(id=1, name='face')]), ann_file)
    return ann_file


def tiny_runner_cfg(tmp_path, max_iters=None, max_epochs=None):
    """Runner config: the R18 model on :func:`write_tiny_coco` data.

    Iteration-based with ``max_iters``, else epoch-based with ``max_epochs``;
    checkpoints every 2 steps, the weights-only hook, gloo for distributed.

    Args:
        tmp_path (pathlib.Path): Where the data and ``work`` go.

    Returns:
        Config: for ``Runner.from_cfg``.
    """
    by_epoch = max_iters is None
    ann_file = write_tiny_coco(str(tmp_path / 'data'))
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_/models/face_rfcn_r18.py'))
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='PackDetInputs'),
    ]
    cfg.merge_from_dict(dict(
        default_scope='mmdet',
        work_dir=str(tmp_path / 'work'),
        train_dataloader=dict(
            batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='CocoDataset', data_root=str(tmp_path / 'data'),
                         ann_file=ann_file, data_prefix=dict(img='images/'),
                         metainfo=dict(classes=('face', )),
                         filter_cfg=dict(filter_empty_gt=False),
                         pipeline=pipeline)),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
        if by_epoch else dict(type='IterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.005, momentum=0.9)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2,
                            by_epoch=by_epoch),
            logger=dict(type='LoggerHook', interval=1)),
        log_processor=dict(by_epoch=by_epoch),
        custom_hooks=[dict(type='WeightsOnlyCheckpointHook')],
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
    ))
    return cfg
