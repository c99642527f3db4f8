"""What an exported ONNX file records of its config, and the check of it.

The graph bakes in the config's data preprocessor (BGR -> RGB, mean, std,
padding) and its ``test_cfg`` (RPN top-k and NMS, score threshold, final
NMS): an onnxruntime run follows the numbers of the export, whatever config
the user passes beside the file. So the export writes those settings, the
number of classes and the class names, as JSON under :data:`METADATA_KEY`
in the file's ``metadata_props``, and a run refuses a config that says
otherwise, naming the first setting that differs.
"""
import json
from typing import Any, Dict, Optional

#: The key of the JSON signature in the ONNX file's ``metadata_props``.
METADATA_KEY = 'mmfacerfcn.config_signature'


def config_signature(cfg: Any) -> Dict:
    """The settings of ``cfg`` that an exported graph fixes.

    Args:
        cfg (mmengine.Config | dict): A Face R-FCN config (with ``model``
            and, optionally, ``test_dataloader.dataset.metainfo``).

    Returns:
        dict: ``data_preprocessor``, ``test_cfg``, ``num_classes`` and
        ``classes`` (None when the config names none), as plain JSON values
        (tuples become lists).
    """
    model = cfg['model']
    classes = None
    dataloader = cfg.get('test_dataloader') or {}
    metainfo = (dataloader.get('dataset') or {}).get('metainfo')
    if metainfo and metainfo.get('classes') is not None:
        classes = list(metainfo['classes'])
    signature = dict(
        data_preprocessor=model.get('data_preprocessor'),
        test_cfg=model.get('test_cfg'),
        num_classes=model['roi_head']['bbox_head']['num_classes'],
        classes=classes)
    return json.loads(json.dumps(signature, default=_plain))


def _plain(value: Any) -> Any:
    """JSON form of the config's own types (ConfigDict, tuples...)."""
    if hasattr(value, 'to_dict'):
        return value.to_dict()
    raise TypeError(f'{type(value).__name__} in a config signature')


def first_difference(exported: Any, given: Any,
                     path: str = '') -> Optional[str]:
    """The first setting where two signatures differ, or None.

    Args:
        exported: The file's signature (or a value within it).
        given: The config's.
        path (str): Key path of these values, for the message.

    Returns:
        str | None: ``'<path>: <exported> in the ONNX file, <given> in the
        config'``.
    """
    if isinstance(exported, dict) and isinstance(given, dict):
        for key in sorted(set(exported) | set(given), key=str):
            sub = f'{path}.{key}' if path else str(key)
            if key not in exported or key not in given:
                where = 'ONNX file' if key not in given else 'config'
                return f'{sub}: only in the {where}'
            found = first_difference(exported[key], given[key], sub)
            if found:
                return found
        return None
    if exported != given:
        return (f'{path}: {json.dumps(exported)} in the ONNX file, '
                f'{json.dumps(given)} in the config')
    return None


def parse_signature(props: Dict[str, str], path: str) -> Dict:
    """The signature stored in an ONNX file's ``metadata_props``.

    Args:
        props (dict[str, str]): The file's metadata (onnxruntime's
            ``get_modelmeta().custom_metadata_map`` or onnx's
            ``metadata_props`` as a dict).
        path (str): The file, for the message.

    Raises:
        ValueError: No signature (not written by
            ``tools/deployment/export_onnx.py``), or one that is not a JSON
            object.
    """
    text = props.get(METADATA_KEY)
    if text is None:
        raise ValueError(
            f'{path}: holds no {METADATA_KEY} metadata: it was not written by '
            'tools/deployment/export_onnx.py; export the checkpoint with it')
    try:
        signature = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f'{path}: {METADATA_KEY} is not JSON: {err}') from None
    if not isinstance(signature, dict):
        raise ValueError(f'{path}: {METADATA_KEY} is not a JSON object')
    return signature


def check_signature(exported: Dict, given: Dict, onnx_path: str,
                    config_path: str) -> None:
    """Refuse a config whose test-time settings differ from the export's.

    Args:
        exported (dict): The ONNX file's signature.
        given (dict): The config's (:func:`config_signature`).
        onnx_path (str): The file, for the message.
        config_path (str): The config, for the message.

    Raises:
        ValueError: Naming both files and the first differing setting.
    """
    found = first_difference(exported, given)
    if found:
        raise ValueError(
            f'{onnx_path} does not match {config_path}: {found}; pass the '
            'config the file was exported from, or export again with this '
            'one (tools/deployment/export_onnx.py)')
