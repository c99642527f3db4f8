"""An exported Face R-FCN run by onnxruntime, behind mmdet's detector API.

:class:`ORTFaceRFCN` is a registered ``BaseDetector`` whose ``predict`` runs
the ONNX file instead of PyTorch modules, so everything around the model is
mmdet's own and the same for both backends: the config's test pipeline and
dataloader, the data preprocessor's stacking and padding (normalisation is
inside the graph, so the preprocessor here only stacks and pads), the
evaluator of ``tools/test.py``, the visualizer of ``tools/infer.py``.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmdet.models.detectors import BaseDetector
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from torch import Tensor

from .onnx_export import INPUT_NAMES, OUTPUT_NAMES
from .onnx_metadata import check_signature, config_signature, parse_signature

#: What to install when onnxruntime is missing.
REQUIREMENTS = 'requirements/deploy.txt'


def import_onnxruntime():
    """``onnxruntime``, or an ImportError saying how to install it."""
    try:
        import onnxruntime
    except ImportError as err:
        raise ImportError(f'onnxruntime is not installed ({err}): pip install '
                          f'-r {REQUIREMENTS} (or pip install -e .[deploy])'
                          ) from None
    return onnxruntime


def ort_providers(device: str) -> List[Union[str, Tuple[str, Dict]]]:
    """onnxruntime execution providers for ``device``.

    Args:
        device (str): ``'cpu'``, ``'cuda'`` or ``'cuda:i'``.

    Returns:
        list: ``('CUDAExecutionProvider', {'device_id': i})`` first where
        ``device`` is a CUDA device (``i`` its index, 0 for ``'cuda'``) and
        the installed onnxruntime has that provider, then always
        ``'CPUExecutionProvider'``.
    """
    ort = import_onnxruntime()
    providers: List[Union[str, Tuple[str, Dict]]] = ['CPUExecutionProvider']
    if (device.startswith('cuda')
            and 'CUDAExecutionProvider' in ort.get_available_providers()):
        index = torch.device(device).index or 0
        providers.insert(0, ('CUDAExecutionProvider', {'device_id': index}))
    return providers


def open_session(onnx_file: str, device: str = 'cpu', num_threads: int = 0):
    """An onnxruntime session of ``onnx_file``, checked to be our export.

    Args:
        onnx_file (str): Written by ``tools/deployment/export_onnx.py``.
        device (str): See :func:`ort_providers`. Defaults to ``'cpu'``.
        num_threads (int): onnxruntime's intra-op threads; 0 lets it choose
            (one per physical core). Defaults to 0.

    Returns:
        onnxruntime.InferenceSession

    Raises:
        ImportError: onnxruntime is missing (naming what to install).
        FileNotFoundError: ``onnx_file`` is missing.
        ValueError: The file is no ONNX model onnxruntime loads, or its inputs
            and outputs are not those of the export.
    """
    ort = import_onnxruntime()
    if not osp.isfile(onnx_file):
        raise FileNotFoundError(f'{onnx_file}: no such file')
    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads
    try:
        session = ort.InferenceSession(onnx_file, sess_options=options,
                                       providers=ort_providers(device))
    except Exception as err:  # onnxruntime raises its own Fail/InvalidGraph
        raise ValueError(f'{onnx_file}: onnxruntime cannot load it: '
                         f'{str(err).strip()}') from None
    inputs = tuple(i.name for i in session.get_inputs())
    outputs = tuple(o.name for o in session.get_outputs())
    if inputs != INPUT_NAMES or outputs != OUTPUT_NAMES:
        raise ValueError(
            f'{onnx_file}: inputs {inputs} and outputs {outputs}, not those '
            f'of a Face R-FCN export ({INPUT_NAMES} -> {OUTPUT_NAMES}); '
            'export with tools/deployment/export_onnx.py')
    return session


def session_signature(session, onnx_file: str) -> Dict:
    """The config signature an export wrote into ``onnx_file``.

    Raises:
        ValueError: There is none (see
            :func:`~.onnx_metadata.parse_signature`).
    """
    props = session.get_modelmeta().custom_metadata_map
    return parse_signature(props, onnx_file)


@MODELS.register_module()
class ORTFaceRFCN(BaseDetector):
    """Face R-FCN from an ONNX export, run with onnxruntime.

    Args:
        onnx_file (str): Written by ``tools/deployment/export_onnx.py``.
        signature (dict, optional): The running config's
            :func:`~.onnx_metadata.config_signature`; a file whose own
            signature differs is refused. None skips the check.
        config_path (str): The running config, for that message.
        device (str): ``'cpu'``, or ``'cuda[:i]'`` for onnxruntime's CUDA
            provider where installed. Defaults to ``'cpu'``.
        num_threads (int): onnxruntime's intra-op threads, 0 for its choice.
        data_preprocessor (dict | nn.Module, optional): Stacks and pads
            the batch; it must not normalise or convert channels (the graph
            does). Defaults to a ``DetDataPreprocessor`` doing neither.
        init_cfg (dict, optional): Unused; no weights to initialise.

    Raises:
        ValueError: The file is not our export or does not match
            ``signature`` (naming the first differing setting).
    """

    def __init__(self,
                 onnx_file: str,
                 signature: Optional[Dict] = None,
                 config_path: str = 'the config',
                 device: str = 'cpu',
                 num_threads: int = 0,
                 data_preprocessor=None,
                 init_cfg=None) -> None:
        if data_preprocessor is None:
            data_preprocessor = DetDataPreprocessor(
                bgr_to_rgb=False, pad_size_divisor=1, pad_value=0)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.onnx_file = onnx_file
        self.session = open_session(onnx_file, device, num_threads)
        self.exported_signature = session_signature(self.session, onnx_file)
        if signature is not None:
            check_signature(self.exported_signature, signature, onnx_file,
                            config_path)
        batch = self.session.get_inputs()[0].shape[0]
        #: The graph takes one image at a time (exported without
        #: ``--dynamic-batch``): a batch is run image by image.
        self.single_image = batch == 1

    def run(self, images: np.ndarray,
            img_shapes: np.ndarray) -> List[np.ndarray]:
        """One onnxruntime call.

        Args:
            images (np.ndarray): shape (B, 3, H, W), float32, 0-255.
            img_shapes (np.ndarray): shape (B, 2), int64 ``(h, w)``.

        Returns:
            list[np.ndarray]: ``dets`` (N, 5), ``labels`` (N,), ``batch_idx``
            (N,), in resized pixels (see :class:`.ONNXFaceRFCN`).
        """
        return self.session.run(
            None, dict(images=np.ascontiguousarray(images, np.float32),
                       img_shapes=img_shapes.astype(np.int64)))

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: Sequence[DetDataSample],
                rescale: bool = True) -> Sequence[DetDataSample]:
        """Detect, as ``TwoStageDetector.predict`` returns it.

        A graph of one image runs each image cropped to its own
        ``img_shape``, exactly as a batch of one; a dynamic-batch graph runs
        the padded batch at once.

        Args:
            batch_inputs (Tensor): shape (B, 3, H, W), the stacked, padded
                images, pixel values 0-255 in the pipeline's channel order.
            batch_data_samples (list[DetDataSample]): Their meta
                (``img_shape``, ``scale_factor``).
            rescale (bool): Boxes in original-image pixels (divided by
                ``scale_factor``) rather than resized ones. Defaults to True.

        Returns:
            list[DetDataSample]: With ``pred_instances`` (``bboxes`` (n, 4),
            ``scores`` (n,), ``labels`` (n,)), in score order.
        """
        images = batch_inputs.detach().float().cpu().numpy()
        shapes = np.array([s.metainfo['img_shape'][:2]
                           for s in batch_data_samples], dtype=np.int64)
        if self.single_image:
            per_image = []
            for i, (height, width) in enumerate(shapes):
                dets, labels, _ = self.run(images[i:i + 1, :, :height, :width],
                                           shapes[i:i + 1])
                per_image.append((dets, labels))
        else:
            dets, labels, batch_idx = self.run(images, shapes)
            per_image = [(dets[batch_idx == i], labels[batch_idx == i])
                         for i in range(len(shapes))]
        results = []
        for sample, (dets, labels) in zip(batch_data_samples, per_image):
            bboxes = torch.from_numpy(dets[:, :4].copy())
            if rescale:
                scale = bboxes.new_tensor(sample.metainfo['scale_factor'])
                bboxes = bboxes / scale.repeat(2)
            results.append(InstanceData(
                bboxes=bboxes, scores=torch.from_numpy(dets[:, 4].copy()),
                labels=torch.from_numpy(labels.astype(np.int64))))
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _inference_only(self, *args, **kwargs):
        raise NotImplementedError(
            f'{type(self).__name__} runs an ONNX file: it predicts only '
            '(no loss, features or raw head outputs)')

    loss = _inference_only
    _forward = _inference_only
    extract_feat = _inference_only


def ort_model_config(cfg, onnx_file: str, config_path: str,
                     device: str = 'cpu', num_threads: int = 0) -> Dict:
    """The ``model`` entry that runs ``onnx_file`` in place of ``cfg``'s.

    Args:
        cfg (mmengine.Config): The config the file should have been exported
            from; its signature is checked when the model is built.
        onnx_file (str): The exported file.
        config_path (str): ``cfg``'s file, for messages.
        device (str): See :class:`ORTFaceRFCN`.
        num_threads (int): See :class:`ORTFaceRFCN`.

    Returns:
        dict: An :class:`ORTFaceRFCN` config.
    """
    return dict(type='ORTFaceRFCN', onnx_file=onnx_file,
                signature=config_signature(cfg), config_path=config_path,
                device=device, num_threads=num_threads)


class ORTDetectorError(Exception):
    """An ONNX file that cannot run in place of a config's model: onnxruntime
    is missing, or the file is missing, not an export, or exported from other
    test-time settings. The message says which, naming the file."""


def build_ort_detector(cfg, onnx_file: str, config_path: str,
                       device: str = 'cpu',
                       num_threads: int = 0) -> ORTFaceRFCN:
    """``onnx_file`` run by onnxruntime in place of ``cfg``'s model.

    The :class:`ORTFaceRFCN` of :func:`ort_model_config`: one onnxruntime
    session, the file checked to be an export of ``cfg``'s test-time
    settings. Like mmdet's ``init_detector``, the model gets ``cfg`` and
    ``dataset_meta``, whose classes are those the file records (default
    ``('face', )``).

    Args:
        cfg (mmengine.Config): The config the file should have been exported
            from.
        onnx_file (str): The exported file.
        config_path (str): ``cfg``'s file, for messages.
        device (str): See :class:`ORTFaceRFCN`. Defaults to ``'cpu'``.
        num_threads (int): See :class:`ORTFaceRFCN`. Defaults to 0.

    Returns:
        ORTFaceRFCN: Ready to predict.

    Raises:
        ORTDetectorError: onnxruntime is missing (naming what to install),
            or ``onnx_file`` is missing, not an export, or exported from
            other test-time settings (naming the first).
    """
    return build_ort_detector_from_config(
        cfg, ort_model_config(cfg, onnx_file, config_path, device=device,
                              num_threads=num_threads))


def build_ort_detector_from_config(cfg, model_cfg: Dict) -> ORTFaceRFCN:
    """:func:`build_ort_detector` from its :func:`ort_model_config`.

    For a caller that keeps that config too (``tools/test.py`` puts it in
    ``cfg.model``, which the Runner logs): the model is built from the very
    config logged.

    Args:
        cfg (mmengine.Config): The config the file should have been exported
            from (``model`` as exported; ``model_cfg`` holds its signature).
        model_cfg (dict): From :func:`ort_model_config`; not modified.

    Returns:
        ORTFaceRFCN: Ready to predict.

    Raises:
        ORTDetectorError: See :func:`build_ort_detector`.
    """
    kwargs = dict(model_cfg)
    del kwargs['type']
    try:
        model = ORTFaceRFCN(**kwargs)
    except (ImportError, OSError, ValueError) as err:
        raise ORTDetectorError(str(err)) from err
    model.cfg = cfg
    classes = model.exported_signature.get('classes') or ('face', )
    model.dataset_meta = dict(classes=tuple(classes))
    return model
