"""Score FDDB detection files with the official protocol (numpy only).

    python tools/fddb_eval.py --pred DETS.txt [DETS2.txt ...] \\
        --fddb-root FDDB_ROOT [--folds 1 2 ...] [--out-dir DIR] [--name NAME ...]

DETS files are in FDDB's detection format (image path as in the fold files,
count, then ``left_x top_y width height score`` lines; see
:mod:`mmfacerfcn.data_formats.fddb_detections`), from any detector. The files
given to one ``--pred`` are merged into one detector (FDDB submissions come
as ``fold-01-out.txt`` ... ``fold-10-out.txt``); give ``--pred`` again to
compare another detector, ``--name`` one name per ``--pred``. FDDB_ROOT holds
``FDDB-folds/FDDB-fold-XX-ellipseList.txt`` and ``originalPics/<path>.jpg``
(only the images' headers are read, for their sizes). Prints the true
positive rate at 500, 1000 and 2000 false positives, discrete and continuous
(:mod:`mmfacerfcn.evaluation.functional.fddb_protocol`, the rules of FDDB's
``evaluate``), with the numbers of faces and images; ``--out-dir`` also
receives the official ``DiscROC.txt`` and ``ContROC.txt`` (prefixed with the
detector's name when several are compared, like ``evaluate -r NAME``) and
``roc.png``.

Which images count:

- every annotated image of the chosen folds (all folds found when
  ``--folds`` is not given) is evaluated; one that no detection file lists
  counts as an image without detections (the count is printed);
- an image listed by a detection file that lies in another fold of
  FDDB_ROOT is ignored (the count is printed): a file holding all ten folds
  can be scored on some of them;
- an image listed by a detection file that no fold of FDDB_ROOT holds is an
  error naming ``file:line`` (a misspelt path would otherwise be scored as a
  miss), and so is an image listed by two files of one detector.

An ``--out-dir`` inside FDDB_ROOT, or one that holds a detection file (a
later ``--pred DIR/*.txt`` would read ``DiscROC.txt`` as detections), is
refused before any work. Errors print one line ``fddb_eval: error: ...`` and
exit with status 1.
"""
import argparse
import importlib.util
import os.path as osp
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmfacerfcn.data_formats.fddb_detections import (
    FddbDetections,
    read_fddb_detection_entries,
)
from mmfacerfcn.data_formats.fddb_ellipses import (
    IMAGES_DIR,
    FddbFormatError,
    FddbImage,
    read_fddb,
)
from mmfacerfcn.evaluation.functional.fddb_protocol import FDDBImage, fddb_roc
from mmfacerfcn.evaluation.functional.fddb_report import (
    fddb_summary,
    format_fddb_table,
    plot_roc_curves,
    write_roc_file,
)
from mmfacerfcn.utils.output_paths import (
    OutputPathError,
    check_output_folder,
    check_output_not_input,
    check_output_writable,
)

#: The extension of FDDB's images under ``originalPics/``.
IMAGE_EXT = '.jpg'
ROC_FILES = ('DiscROC.txt', 'ContROC.txt')
PLOT_FILE = 'roc.png'


class CliError(ValueError):
    """A refusal of the command line itself (not of a file)."""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='FDDB discrete and continuous ROC of detection files '
        '(official evaluate protocol; numpy only)')
    parser.add_argument('--pred', required=True, nargs='+', action='append',
                        metavar='DETS',
                        help='detection files of one detector (merged); '
                        'repeat --pred to compare detectors')
    parser.add_argument('--fddb-root', required=True,
                        help='folder with FDDB-folds/ and originalPics/')
    parser.add_argument('--folds', nargs='+', type=int, metavar='FOLD',
                        help='evaluate these folds (default: every '
                        'FDDB-fold-XX-ellipseList.txt found)')
    parser.add_argument('--out-dir',
                        help='write DiscROC.txt, ContROC.txt (official '
                        'format) and roc.png here')
    parser.add_argument('--name', nargs='+',
                        help='one name per --pred, for the table and the '
                        'figure (default: the file name, or the folder of '
                        'several files)')
    return parser.parse_args(argv)


def detector_names(groups: List[List[str]],
                   names: Optional[List[str]]) -> List[str]:
    """One name per detector: ``--name``, or from its files' names."""
    if names is None:
        names = [Path(g[0]).stem if len(g) == 1 else
                 Path(osp.abspath(g[0])).parent.name for g in groups]
        if len(set(names)) < len(names):  # e.g. two folders of fold files
            names = [f'{name}-{i + 1}' for i, name in enumerate(names)]
    elif len(names) != len(groups):
        raise CliError(f'{len(names)} --name for {len(groups)} --pred: give '
                       'one name per --pred')
    for name in names:
        if not name or name.startswith('.') or any(c in name for c in '/\\'):
            raise CliError(f'--name {name!r}: a detector name becomes a file '
                           'name prefix; no "/", "\\" nor leading "."')
    if len(set(names)) < len(names):
        raise CliError(f'--name {" ".join(names)}: names must differ')
    return names


def output_files(out_dir: str, names: List[str]) -> Dict[str, List[str]]:
    """Per detector its ROC files (prefixed when several), and the plot."""
    prefixes = [''] if len(names) == 1 else names
    files = {name: [osp.join(out_dir, prefix + f) for f in ROC_FILES]
             for name, prefix in zip(names, prefixes)}
    files[''] = [osp.join(out_dir, PLOT_FILE)]
    return files


def check_out_dir(out_dir: str, root: str, preds: List[str],
                  outputs: List[str]) -> None:
    """Refuse, before any work, an output folder that would overwrite or mix
    with the inputs, or that cannot be written."""
    check_output_folder(out_dir)
    for pred in preds:
        if osp.realpath(osp.dirname(osp.abspath(pred))) == osp.realpath(
                out_dir):
            raise OutputPathError(
                f'{out_dir}: holds the detection file {pred}; a later --pred '
                f'{out_dir}/*.txt would read {ROC_FILES[0]} as detections: '
                'write the output elsewhere')
    for out in outputs:
        check_output_not_input(out, files=preds, folders=[root])
        check_output_writable(out)
    if importlib.util.find_spec('matplotlib') is None:
        raise CliError(f'--out-dir draws {PLOT_FILE}, which needs matplotlib '
                       '(pip install matplotlib)')


def image_size(root: str, image: FddbImage) -> Tuple[int, int]:
    """``(width, height)`` from the header of ``originalPics/<path>.jpg``."""
    from PIL import Image, UnidentifiedImageError

    path = osp.join(root, IMAGES_DIR, *image.path.split('/')) + IMAGE_EXT
    try:
        with Image.open(path) as im:
            return im.size
    except FileNotFoundError:
        raise FddbFormatError(image.source, image.line,
                              f'image not found: {path}') from None
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) \
            as err:
        raise FddbFormatError(image.source, image.line,
                              f'cannot read image {path}: {err}') from None


def merge_detections(files: Sequence[str]) -> Dict[str, FddbDetections]:
    """The images of a detector's files; an image in two files is refused."""
    merged: Dict[str, FddbDetections] = {}
    seen_files: Dict[str, str] = {}
    for file in files:
        real = osp.realpath(file)
        if real in seen_files:
            raise CliError(f'{file}: given twice to one --pred (as '
                           f'{seen_files[real]})')
        seen_files[real] = file
        for entry in read_fddb_detection_entries(file):
            first = merged.get(entry.path)
            if first is not None:
                raise FddbFormatError(
                    entry.source, entry.line, f'image {entry.path!r} is also '
                    f'in {first.source}:{first.line}; an image belongs in one '
                    'detection file')
            merged[entry.path] = entry
    return merged


def unknown_image_error(entry: FddbDetections, root: str,
                        known: Sequence[str]) -> FddbFormatError:
    """The error for an image that no fold of FDDB_ROOT holds."""
    hint = ''
    stem, ext = osp.splitext(entry.path)
    if ext and stem in known:
        hint = f' (write it without the extension: {stem!r})'
    return FddbFormatError(
        entry.source, entry.line, f'image {entry.path!r} is in no fold of '
        f'{osp.join(root, "FDDB-folds")}{hint}')


def select_detections(merged: Dict[str, FddbDetections], chosen: set,
                      root: str, folds: Optional[List[int]],
                      other_cache: Dict[str, set]) -> int:
    """Drop the images of other folds from ``merged``; refuse unknown ones.

    Returns:
        int: The number of images of other folds dropped.
    """
    outside = [e for path, e in merged.items() if path not in chosen]
    if not outside:
        return 0
    if 'paths' not in other_cache:
        # Read the other folds only when a detection file needs them.
        other_cache['paths'] = set() if folds is None else {
            im.path for im in read_fddb(root) if im.path not in chosen}
    others = other_cache['paths']
    for entry in outside:
        if entry.path not in others:
            raise unknown_image_error(entry, root, chosen | others)
        del merged[entry.path]
    return len(outside)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the evaluation.

    Args:
        argv (List[str], optional): command-line arguments; sys.argv if None.

    Returns:
        int: exit status, 0 on success, 1 on a malformed or missing input
        (naming file and line), an image no fold holds, an image in two
        files of one detector, or an ``--out-dir`` that is refused.
    """
    args = parse_args(argv)
    groups: List[List[str]] = args.pred
    root = args.fddb_root
    try:
        names = detector_names(groups, args.name)
        outputs = None
        if args.out_dir:
            outputs = output_files(args.out_dir, names)
            check_out_dir(args.out_dir, root,
                          [f for g in groups for f in g],
                          [f for fs in outputs.values() for f in fs])
        images = read_fddb(root, args.folds)
        chosen = {im.path for im in images}
        detectors = {name: merge_detections(files)
                     for name, files in zip(names, groups)}
        other_cache: Dict[str, set] = {}
        ignored = {name: select_detections(merged, chosen, root, args.folds,
                                           other_cache)
                   for name, merged in detectors.items()}
        sizes = [image_size(root, im) for im in images]
    except (ValueError, OSError) as e:
        # A bad input is the user's to fix: name it, no traceback. The
        # readers' errors (FddbFormatError, OutputPathError) are
        # ValueErrors naming the file and line.
        return error(str(e))

    folds = sorted({im.fold for im in images})
    print(f'FDDB folds {", ".join(map(str, folds))}: {len(images)} images, '
          f'{sum(len(im.ellipses) for im in images)} faces')
    empty = np.zeros((0, 5))
    rocs, rows = {}, {}
    for name, merged in detectors.items():
        missing = len(images) - len(merged)
        other = (f'; {ignored[name]} images of other folds ignored'
                 if ignored[name] else '')
        print(f'{name}: detections for {len(merged)} of {len(images)} images '
              f'({missing} absent from the detection files count as images '
              f'without detections){other}')
        if missing and len(groups) > 1:
            print(f'fddb_eval: warning: {name} lacks {missing} images; the '
                  'files of one detector go to one --pred', file=sys.stderr)
        try:
            roc = fddb_roc(
                FDDBImage(np.asarray(im.ellipses, dtype=np.float64).reshape(
                    -1, 5), merged[im.path].detections if im.path in merged
                    else empty, height, width)
                for im, (width, height) in zip(images, sizes))
        except ValueError as e:  # e.g. an ellipse radius below one pixel
            return error(str(e))
        rocs[name] = roc
        rows[name] = dict(fddb_summary(roc), faces=int(roc['num_faces']),
                          images=len(images))
    print(format_fddb_table(rows))

    if outputs is not None:
        try:
            for name, roc in rocs.items():
                disc, cont = outputs[name]
                write_roc_file(roc, disc)
                write_roc_file(roc, cont, continuous=True)
            plot_roc_curves(rocs, outputs[''][0],
                            title=f'FDDB folds {", ".join(map(str, folds))}')
        except OutputPathError as e:
            return error(str(e))
        print(f'ROC files and {PLOT_FILE} written to {args.out_dir}')
    return 0


def error(message: str) -> int:
    """Print ``fddb_eval: error: message`` to stderr; return the status 1."""
    print(f'fddb_eval: error: {message}', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
