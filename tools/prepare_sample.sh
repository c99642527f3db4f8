#!/usr/bin/env bash
# The embedded sample in the official WIDER FACE layout, converted to COCO
# JSON with the real converter: what the sample configs read.
#
#   bash tools/prepare_sample.sh [DATA_DIR]   (default data/wider_sample)
#
# PY names the interpreter (default .venv/bin/python, else python3). The
# pictures are generated once; the conversion runs every time (seconds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$(realpath -m "${1:-$ROOT/data/wider_sample}")"  # before the cd
cd "$ROOT"
[ -n "${PY:-}" ] || { [ -x .venv/bin/python ] && PY=.venv/bin/python || PY=python3; }
if [ ! -f "$DATA/wider_face_split/wider_face_train_bbx_gt.txt" ]; then
  "$PY" tools/dataset_converters/make_wider_sample.py "$DATA"
fi
for split in train val; do
  "$PY" tools/dataset_converters/wider_face_to_coco.py "$DATA" \
    "$DATA/annotations/wider_face_$split.json" --split $split --no-progress
done
