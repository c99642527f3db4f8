"""The command-line body the converters of ``tools/dataset_converters/`` share.

Check the output path, convert, check the JSON about to be written against
what was read, write it atomically, print a summary; malformed input ends in
one line ``error: file:line: message`` and exit status 1.
"""
import json
import sys
from typing import Callable, Optional, Sequence

import mmengine

from ..utils.input_files import PathLike
from ..utils.output_paths import (
    OutputPathError,
    check_output_not_input,
    check_output_writable,
    write_atomic,
)
from .annotation_files import AnnotationFormatError


def dump_json_atomic(obj: dict, out_file: PathLike) -> None:
    """Write ``obj`` as JSON with :func:`mmengine.dump`, all or nothing.

    See :func:`~mmfacerfcn.utils.output_paths.write_atomic`: a crash, an
    interrupt or a full disk never leaves a half-written ``out_file``.

    Args:
        obj (dict): A JSON-serialisable object.
        out_file (str | PathLike): Destination; its folder is created.

    Raises:
        OutputWriteError: ``out_file`` cannot be written, naming it.
    """
    write_atomic(out_file,
                 lambda f: mmengine.dump(obj, f, file_format='json'))


def format_summary(summary: dict, written_faces: Optional[int] = None) -> str:
    """Format a converter summary (``coco['info']['summary']``) for printing.

    Args:
        summary (dict): Counts as stored by
            :func:`~mmfacerfcn.data_formats.face_coco.build_face_coco`.
        written_faces (int, optional): The annotations counted in the JSON
            as written (see :func:`run_conversion`); when given, the faces
            line shows it next to the face lines read.

    Returns:
        str: A few human-readable lines.
    """
    flagged = ', '.join(f'{name} {count}'
                        for name, count in summary['flagged'].items())
    if summary.get('annotated', True):
        images = f"({summary['empty_images']} without face)"
    else:
        images = '(test split: images only, no annotation)'
    faces = f"faces: {summary['faces']} (face lines read {summary['face_lines_read']}"
    if written_faces is not None:
        faces += f' = annotations in the JSON written {written_faces}'
    lines = [
        f"images: {summary['images']} {images}",
        faces + ')',
        f'flagged: {flagged}; ignored for training (iscrowd=1): '
        f"{summary['ignored_iscrowd']}",
    ]
    if 'subsets' in summary:
        lines.append('val subsets: ' + ', '.join(
            f'{name} {count}' for name, count in summary['subsets'].items()))
    return '\n'.join(lines)


def _faces_in_json(text: str, summary: dict) -> int:
    """Count the annotations of the serialised JSON and check them against
    the face lines the parser read: no face is dropped silently."""
    written = len(json.loads(text)['annotations'])
    if written != summary['face_lines_read']:
        raise RuntimeError(f"{summary['face_lines_read']} face lines read but "
                           f'{written} annotations in the JSON to write')
    return written


def run_conversion(convert: Callable[[], dict], out_file: PathLike,
                   title: str, input_files: Sequence[PathLike] = (),
                   input_folders: Sequence[PathLike] = ()) -> int:
    """The converters' command-line body: check, convert, write, summarise.

    Before writing, the JSON text is parsed back and its annotations counted:
    their number must equal the face lines the parser read, or nothing is
    written.

    Args:
        convert (callable): Returns the COCO dict; raises
            :class:`AnnotationFormatError` on malformed input.
        out_file (str | PathLike): Where the JSON goes (written atomically).
        title (str): What was converted, for the summary's first line.
        input_files (Sequence[str | PathLike]): Files ``convert`` reads.
        input_folders (Sequence[str | PathLike]): Folders whose files
            ``convert`` reads.

    Returns:
        int: Exit status: 0, or 1 after printing ``error: file:line: ...`` to
        stderr for malformed input, or for an output that would overwrite an
        input or cannot be written (checked before converting; a traceback
        would only hide the message).

    Raises:
        RuntimeError: The JSON would hold another number of annotations than
            face lines were read (a converter bug, not an input error).
    """
    try:
        check_output_not_input(out_file, input_files, input_folders)
        check_output_writable(out_file)
        coco = convert()
        text = mmengine.dump(coco, file_format='json')
        written_faces = _faces_in_json(text, coco['info']['summary'])
        write_atomic(out_file, lambda f: f.write(text))
    except (AnnotationFormatError, OutputPathError) as err:
        print(f'\nerror: {err}', file=sys.stderr)
        return 1
    print(f'\n{title} -> {out_file}')
    print(format_summary(coco['info']['summary'], written_faces))
    return 0
