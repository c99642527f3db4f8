"""Small embedded-sample datasets for tests that run the real tools."""
import os.path as osp
from typing import List

import mmengine

from mmfacerfcn.datasets.wider_face_parsing import convert_wider
from mmfacerfcn.datasets.wider_sample import make_wider_sample


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


def sample_cfg_options(root: str, out_dir: str) -> List[str]:
    """``--cfg-options`` pointing the sample config at ``root``, single-process
    loaders, one image per batch, PR curves into ``out_dir``.

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
    return opts + ['train_dataloader.batch_size=1']
