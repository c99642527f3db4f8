#!/usr/bin/env bash
# Train on GPUS processes per node with torchrun (mmengine's pytorch launcher).
#
#   bash tools/dist_train.sh CONFIG GPUS [tools/train.py arguments]
#
# NNODES, NODE_RANK, MASTER_ADDR, PORT and PYTHON: see tools/dist_run.sh.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 CONFIG GPUS [tools/train.py arguments]" >&2
  exit 2
fi
exec bash "$(dirname "${BASH_SOURCE[0]}")/dist_run.sh" train.py "$2" "$1" "${@:3}"
