#!/usr/bin/env bash
# The embedded sample in the official WIDER FACE layout, converted to COCO
# JSON with the real converter: what the sample configs read. Its val split is
# also written in FDDB's layout (ellipses around the same faces) next to it,
# in $(dirname DATA_DIR)/fddb_sample, and converted with the FDDB converter.
#
#   bash tools/prepare_sample.sh [DATA_DIR]   (default data/wider_sample)
#
# PY names the interpreter (default .venv/bin/python, else python3). The
# pictures are generated once per sample generator version; the conversions
# run every time (seconds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$(realpath -m "${1:-$ROOT/data/wider_sample}")"  # before the cd
cd "$ROOT"
[ -n "${PY:-}" ] || { [ -x .venv/bin/python ] && PY=.venv/bin/python || PY=python3; }
# A sample from before the generator recorded its distractors
# (sample_distractors_val.txt) is written again: the same pictures and gt.
# The sample's generator version against this checkout's: a sample written
# by an older generator is replaced (the figures in the README are of the
# current one). --check prints current or outdated, and warns on stderr when
# it finds another version's sample.
state=$("$PY" tools/dataset_converters/make_wider_sample.py "$DATA" --check)
fresh=0
if [ "$state" != current ]; then
  "$PY" tools/dataset_converters/make_wider_sample.py "$DATA"
  fresh=1
fi
for split in train val; do
  "$PY" tools/dataset_converters/wider_face_to_coco.py "$DATA" \
    "$DATA/annotations/wider_face_$split.json" --split $split --no-progress
done
FDDB="$(dirname "$DATA")/fddb_sample"
# Two folds; fold 2's ellipse list is the file written last.
if [ "$fresh" = 1 ] || [ ! -f "$FDDB/FDDB-folds/FDDB-fold-02-ellipseList.txt" ]; then
  "$PY" tools/dataset_converters/make_fddb_sample.py "$DATA" "$FDDB" --folds 2
fi
"$PY" tools/dataset_converters/fddb_to_coco.py "$FDDB" \
  "$FDDB/annotations/fddb_sample.json" --no-progress
