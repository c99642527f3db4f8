#!/usr/bin/env bash
# Train on GPUS processes per node with torchrun (mmengine's pytorch launcher).
#
#   bash tools/dist_train.sh CONFIG GPUS [tools/train.py arguments]
#
# Several nodes: run it on each with NNODES, NODE_RANK (0 .. NNODES-1),
# MASTER_ADDR (node 0's address) and PORT (a free port there) set alike.
# PYTHON picks the interpreter (default: python on PATH).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 CONFIG GPUS [tools/train.py arguments]" >&2
  exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
  --nnodes="$NNODES" \
  --node_rank="$NODE_RANK" \
  --master_addr="$MASTER_ADDR" \
  --master_port="$PORT" \
  --nproc_per_node="$GPUS" \
  "$TOOLS/train.py" "$CONFIG" --launcher pytorch "${@:3}"
