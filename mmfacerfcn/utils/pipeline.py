"""The config's test pipeline for pictures that come without annotations."""
from typing import List

from mmdet.utils import get_test_pipeline_cfg
from mmengine.config import Config


def inference_pipeline_cfg(cfg: Config) -> List[dict]:
    """The test pipeline's steps less annotation loading.

    The WIDER test pipelines load ground truth (after the resize) for the
    metric; pictures given to the demo or the benchmark have none.

    Args:
        cfg (Config): A detector config with a test dataloader.

    Returns:
        list[dict]: Transform configs, starting with the image loading.
    """
    return [step for step in get_test_pipeline_cfg(cfg)
            if not step['type'].endswith('LoadAnnotations')]
