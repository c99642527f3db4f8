"""Hand-made batches for tests, on CPU: images with painted faces as a
dataloader gives them, and one training step of a detector on them.
"""
import copy

import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData


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
