"""Checks before a run: data and pretrained weights, with messages that say
what to download and which command to run."""
import os.path as osp
from typing import Iterator, List

import torch
from mmengine.config import Config

WIDER_HINT = (
    'Download WIDER FACE (WIDER_train, WIDER_val, WIDER_test, '
    'wider_face_split and, for val, eval_tools) and unpack it into {root}, '
    'then convert each split:\n'
    '  python tools/dataset_converters/wider_face_to_coco.py {root} '
    '{root}annotations/wider_face_train.json --split train\n'
    '  python tools/dataset_converters/wider_face_to_coco.py {root} '
    '{root}annotations/wider_face_val.json --split val\n'
    'For the embedded sample data instead: bash tools/run_main_job.sh')


def _datasets(cfg: Config) -> Iterator[tuple]:
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is not None and loader.get('dataset') is not None:
            yield split, loader.dataset


def missing_data(cfg: Config, splits=('train', 'val', 'test')) -> List[str]:
    """Annotation files and image folders the config names but lacks.

    Args:
        cfg (Config): A full config.
        splits (tuple[str]): Dataloaders to check.

    Returns:
        list[str]: One line per missing path, naming the dataloader.
    """
    missing = []
    for split, ds in _datasets(cfg):
        if split not in splits:
            continue
        root = ds.get('data_root') or ''
        ann = ds.get('ann_file')
        if ann and not osp.isfile(osp.join(root, ann)):
            missing.append(f'{split}_dataloader: annotation file '
                           f'{osp.join(root, ann)} not found')
        img = (ds.get('data_prefix') or {}).get('img')
        if img is not None and not osp.isdir(osp.join(root, img)):
            missing.append(f'{split}_dataloader: image folder '
                           f'{osp.join(root, img)} not found')
        evaluator = cfg.get(f'{split}_evaluator')
        evaluators = evaluator if isinstance(evaluator, list) else [evaluator]
        for ev in evaluators:
            if ev and ev.get('ann_file') and not osp.isfile(ev.ann_file):
                missing.append(f'{split}_evaluator: annotation file '
                               f'{ev.ann_file} not found')
    return missing


def check_data(cfg: Config, splits=('train', 'val', 'test')) -> None:
    """Raise ``FileNotFoundError`` saying what to download and convert.

    Raises:
        FileNotFoundError: Some dataset path of ``splits`` is missing.
    """
    missing = missing_data(cfg, splits)
    if missing:
        roots = {ds.get('data_root') or './' for _, ds in _datasets(cfg)}
        raise FileNotFoundError(
            f'{cfg.filename}: dataset files are missing:\n  ' +
            '\n  '.join(missing) + '\n' +
            WIDER_HINT.format(root=sorted(roots)[0]))


def _pretrained_urls(node) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get('type') == 'Pretrained' and str(
                node.get('checkpoint', '')).startswith('torchvision://'):
            yield node['checkpoint']
        for value in node.values():
            yield from _pretrained_urls(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _pretrained_urls(value)


def missing_pretrained(cfg: Config) -> List[str]:
    """``torchvision://`` weights the model config asks for that are not in
    torch's hub cache, each with the URL and the file to put it in.

    Returns:
        list[str]: One line per missing checkpoint.
    """
    from mmengine.runner.checkpoint import get_torchvision_models
    urls = get_torchvision_models()
    cache = osp.join(torch.hub.get_dir(), 'checkpoints')
    lines = []
    for ckpt in sorted(set(_pretrained_urls(cfg.model))):
        url = urls[ckpt[len('torchvision://'):]]
        path = osp.join(cache, osp.basename(url))
        if not osp.isfile(path):
            lines.append(f'{ckpt}: download {url} to {path}')
    return lines
