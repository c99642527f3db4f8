"""Export of the whole detector (issue 16): :class:`ONNXFaceRFCN`, the
predict path in exportable ops, and its export and checks;
``tools/deployment/export_onnx.py`` is the command line."""
from .onnx_export import (
    DEFAULT_OPSET,
    MIN_OPSET,
    check_onnx_file,
    example_inputs,
    export_onnx,
    file_size_mib,
    non_standard_ops,
)
from .onnx_model import (
    NotExportableError,
    ONNXFaceRFCN,
    check_exportable,
    onnx_ps_layer,
)

__all__ = [
    'DEFAULT_OPSET', 'MIN_OPSET', 'NotExportableError', 'ONNXFaceRFCN',
    'check_exportable', 'check_onnx_file', 'example_inputs', 'export_onnx',
    'file_size_mib', 'non_standard_ops', 'onnx_ps_layer'
]
