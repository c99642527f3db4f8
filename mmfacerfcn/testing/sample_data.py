"""Small embedded-sample datasets for tests that run the real tools."""
import hashlib
import os.path as osp
from pathlib import Path
from typing import List, Tuple

import mmengine
from mmengine.config import Config
from PIL import Image

from mmfacerfcn.data_formats.wider_face_coco import convert_wider
from mmfacerfcn.data_formats.wider_sample import make_wider_sample
from mmfacerfcn.testing.configs import CONFIGS


def make_small_wider(root: str, num_train: int = 4, num_val: int = 2) -> str:
    """Generate the sample in the WIDER layout and convert train and val.

    Args:
        root (str): Folder to write ``WIDER_ROOT`` into.
        num_train (int): Train images.
        num_val (int): Val images.

    Returns:
        str: ``root``.
    """
    make_wider_sample(root, num_train=num_train, num_val=num_val, num_test=1)
    for split in ('train', 'val'):
        mmengine.dump(convert_wider(root, split),
                      osp.join(root, 'annotations', f'wider_face_{split}.json'))
    return str(root)


def make_fddb_root(root: Path) -> Tuple[Path, Path]:
    """One FDDB fold file with one face and its 40 x 30 image, under ``root``.

    Returns:
        tuple[Path, Path]: The fold file and the image.
    """
    fold = root / 'FDDB-folds' / 'FDDB-fold-04-ellipseList.txt'
    fold.parent.mkdir(parents=True)
    fold.write_text('2002/07/19/big/img_1\n1\n8 4 0 20 20  1\n')
    image = root / 'originalPics' / '2002/07/19/big/img_1.jpg'
    image.parent.mkdir(parents=True)
    Image.new('RGB', (40, 30)).save(image)
    return fold, image


def sample_cfg_options(root: str, out_dir: str) -> List[str]:
    """``--cfg-options`` pointing the sample config at ``root``, single-process
    loaders, one image per batch, PR curves into ``out_dir``, and a
    ``TrunkPretrainHook`` of 2 steps of 4 crops and a
    ``CropVerifierTrainHook`` of 2 epochs (the tests that use these options
    check the tools' plumbing, not what the model learns).

    Returns:
        list[str]: ``key=value`` strings.
    """
    ann = f'{root}/annotations/wider_face_val.json'
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={root}/',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    for split in ('val', 'test'):
        opts += [f'{split}_evaluator.ann_file={ann}',
                 f'{split}_evaluator.pr_curve_file={out_dir}/pr.png']
    cfg = Config.fromfile(osp.join(CONFIGS, 'face_rfcn_r18_wider-sample.py'))
    for i, hook in enumerate(cfg.get('custom_hooks', [])):
        if hook['type'] == 'TrunkPretrainHook':
            opts += [f'custom_hooks.{i}.steps=2',
                     f'custom_hooks.{i}.batch_size=4']
        elif hook['type'] == 'CropVerifierTrainHook':
            opts += [f'custom_hooks.{i}.epochs=2']
    return opts + ['train_dataloader.batch_size=1']


def tree_digest(root: Path) -> str:
    """sha256 over every file's relative path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob('*') if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_gt(path: Path) -> List[Tuple[str, List[Tuple[int, ...]]]]:
    """An independent minimal reader of the gt txt (no error handling)."""
    lines = path.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        name, count = lines[i], int(lines[i + 1])
        faces = [tuple(map(int, line.split()))
                 for line in lines[i + 2:i + 2 + max(count, 1)]]
        out.append((name, faces if count else []))
        i += 2 + max(count, 1)
    return out
