#!/usr/bin/env bash
# Test a checkpoint on GPUS processes per node with torchrun.
#
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [tools/test.py arguments]
#
# NNODES, NODE_RANK, MASTER_ADDR, PORT and PYTHON: see tools/dist_run.sh.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 CONFIG CHECKPOINT GPUS [tools/test.py arguments]" >&2
  exit 2
fi
exec bash "$(dirname "${BASH_SOURCE[0]}")/dist_run.sh" test.py "$3" "$1" "$2" "${@:4}"
