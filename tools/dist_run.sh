#!/usr/bin/env bash
# torchrun launcher shared by dist_train.sh and dist_test.sh.
#
#   bash tools/dist_run.sh SCRIPT GPUS [SCRIPT arguments]
#
# Runs tools/SCRIPT on GPUS processes per node with --launcher pytorch.
# Several nodes: run it on each with NNODES, NODE_RANK (0 .. NNODES-1),
# MASTER_ADDR (node 0's address) and PORT (a free port there) set alike.
# PYTHON picks the interpreter (default: python on PATH).
set -euo pipefail
SCRIPT=$1
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
  "$TOOLS/$SCRIPT" "${@:3}" --launcher pytorch
