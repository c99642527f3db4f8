"""Deployment (issue 16): :class:`ONNXFaceRFCN`, the predict path in
exportable ops, its export and checks (``tools/deployment/export_onnx.py``
is the command line), and :class:`ORTFaceRFCN`, the exported file run by
onnxruntime behind mmdet's detector interface (built for
``--backend onnxruntime`` by :func:`build_ort_detector` in ``tools/infer.py``
and, from the model config it logs, :func:`build_ort_detector_from_config` in
``tools/test.py``). Importing this package
registers :class:`ORTFaceRFCN`; onnx, onnxscript and onnxruntime are
imported only when a function needs them."""
from .onnx_export import (
    DEFAULT_OPSET,
    MIN_OPSET,
    check_onnx_file,
    example_inputs,
    export_onnx,
    file_size_mib,
    non_standard_ops,
)
from .onnx_metadata import (
    METADATA_KEY,
    check_signature,
    config_signature,
    first_difference,
    parse_signature,
)
from .onnx_model import (
    NotExportableError,
    ONNXFaceRFCN,
    check_exportable,
    onnx_ps_layer,
)
from .ort_detector import (
    ORTDetectorError,
    ORTFaceRFCN,
    build_ort_detector,
    build_ort_detector_from_config,
    import_onnxruntime,
    open_session,
    ort_model_config,
)

__all__ = [
    'DEFAULT_OPSET', 'METADATA_KEY', 'MIN_OPSET', 'NotExportableError',
    'ONNXFaceRFCN', 'ORTDetectorError', 'ORTFaceRFCN', 'build_ort_detector',
    'build_ort_detector_from_config', 'check_exportable', 'check_onnx_file',
    'check_signature', 'config_signature', 'example_inputs', 'export_onnx',
    'file_size_mib', 'first_difference', 'import_onnxruntime',
    'non_standard_ops', 'onnx_ps_layer', 'open_session', 'ort_model_config',
    'parse_signature'
]
