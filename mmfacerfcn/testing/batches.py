"""Small detectors and hand-made batches for tests, on CPU."""
import copy
import os.path as osp

import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')


def small_model_cfg():
    """The ResNet-18 Face R-FCN model config (configs/_base_/models/)."""
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_/models/face_rfcn_r18.py'))
    return cfg.model


def write_random_checkpoint(path, config=None):
    """A checkpoint of ``config``'s model with seed-0 random weights, saved as
    our runner saves one (``state_dict`` and the dataset's classes).

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
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': {'classes': ('face', )}}}, path)
    return str(path)


def make_batch(shapes, boxes, seed=0, scale_factors=None):
    """Images with given (h, w) and gt boxes (x1, y1, x2, y2) per image.

    Each gt box is painted as a bright textured patch on a dark noisy image,
    so a detector can learn them in a few steps.

    Returns:
        dict: ``inputs`` (list of uint8 (3, h, w) tensors) and
        ``data_samples`` (list of DetDataSample), as a dataloader gives them.
    """
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i, ((h, w), bxs) in enumerate(zip(shapes, boxes)):
        img = torch.randint(0, 60, (3, h, w), generator=g, dtype=torch.uint8)
        for x1, y1, x2, y2 in bxs:
            patch = torch.randint(150, 255, (3, int(y2 - y1), int(x2 - x1)),
                                  generator=g, dtype=torch.uint8)
            img[:, int(y1):int(y2), int(x1):int(x2)] = patch
        sf = scale_factors[i] if scale_factors else (1.0, 1.0)
        sample = DetDataSample(metainfo=dict(
            img_id=i, img_path=f'img{i}.jpg', img_shape=(h, w),
            ori_shape=(round(h / sf[1]), round(w / sf[0])),
            scale_factor=sf, pad_shape=(h, w)))
        gt = InstanceData()
        gt.bboxes = torch.tensor(bxs, dtype=torch.float32).view(-1, 4)
        gt.labels = torch.zeros(len(bxs), dtype=torch.long)
        sample.gt_instances = gt
        ign = InstanceData()
        ign.bboxes = torch.zeros(0, 4)
        ign.labels = torch.zeros(0, dtype=torch.long)
        sample.ignored_instances = ign
        inputs.append(img)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


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


def train_step_and_predict(model):
    """One training step of a detector on a two-image batch (one face, one
    empty image), then a prediction; fails if the loss is not finite.

    Args:
        model (nn.Module): A built two-stage detector with its weights
            initialised.

    Returns:
        list[DetDataSample]: The two predictions.
    """
    model.train()
    data = make_batch([(96, 128), (80, 96)], [[[10.0, 12.0, 50.0, 60.0]], []])
    losses = model(**model.data_preprocessor(copy.deepcopy(data), True),
                   mode='loss')
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss), losses
    loss.backward()
    assert model.roi_head.bbox_head.training
    model.eval()
    with torch.no_grad():
        out = model(**model.data_preprocessor(data, False), mode='predict')
    assert len(out) == 2 and out[0].pred_instances.bboxes.shape[-1] == 4
    return out
