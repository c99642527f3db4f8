#!/usr/bin/env bash
# Every GPU figure of the README (issue 7) in one go, on a machine with CUDA
# and mmcv built with its CUDA ops (tools/setup_env.sh does that where nvcc
# and a GPU are present):
#
#   bash tools/benchmark_gpu.sh [OUT_DIR]          (default work_dirs/gpu)
#
# PY names the interpreter (default .venv/bin/python, else python3). Writes
# into OUT_DIR, each with a .log of what it printed:
#   cuda_tests.log            the CUDA tests of the PS RoI extractor
#   ps_roi_cuda.json          PS RoI pooling per backend (fp32)
#   benchmark_fp32.json       Face R-FCN vs Faster R-CNN C4 by stage, training
#   benchmark_amp.json        iteration, images/s and peak memory; fp32, fp16
#   train_fp32/, train_amp/   the R101 config at WIDER scale, batch 2, for 4
#                             epochs of the sample: time per iteration, CUDA
#                             peak per log interval, memory per epoch
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -n "${PY:-}" ] || { [ -x .venv/bin/python ] && PY=.venv/bin/python || PY=python3; }
OUT="${1:-work_dirs/gpu}"

"$PY" - <<'PYEOF'
import sys
import torch
if not torch.cuda.is_available():
    sys.exit('benchmark_gpu.sh: torch sees no CUDA device '
             f'(torch {torch.__version__}); run it on a GPU machine')
# One CUDA op of mmcv, run, rather than get_compiling_cuda_version(): with
# mmcv 2.1.0 built against CUDA 13 (torch 2.11 on an H200) that call segfaults
# while the ops themselves work (seen 2026-11-30).
from mmcv.ops import nms
try:
    nms(torch.tensor([[0., 0., 10., 10.]], device='cuda'),
        torch.tensor([1.], device='cuda'), 0.5)
except (RuntimeError, NotImplementedError, AssertionError) as e:
    sys.exit('benchmark_gpu.sh: mmcv\'s ops do not run on CUDA ({}); rebuild '
             'mmcv where nvcc is present (FORCE_CUDA=1 bash '
             'tools/setup_env.sh)'.format(str(e).splitlines()[0]))
print(f'{torch.cuda.get_device_name()}, torch {torch.__version__}, '
      f'CUDA {torch.version.cuda}, mmcv ops run on CUDA')
PYEOF

mkdir -p "$OUT"
run() {  # name command...: prints and keeps the output; goes on if it fails
  local name=$1; shift
  echo "=== $name: $*"
  if "$@" > "$OUT/$name.log" 2>&1; then tail -n 30 "$OUT/$name.log"
  else echo "FAILED (rc $?), see $OUT/$name.log"; tail -n 30 "$OUT/$name.log"; fi
}
run cuda_tests "$PY" -m pytest -q -rs \
  tests/test_models/test_roi_heads/test_roi_extractors/test_ps_roi_extractor_cuda.py
run ps_roi_cuda "$PY" tools/analysis_tools/benchmark_ps_roi.py --device cuda \
  --json "$OUT/ps_roi_cuda.json"
run benchmark_fp32 "$PY" tools/analysis_tools/benchmark.py --device cuda \
  --json "$OUT/benchmark_fp32.json"
run benchmark_amp "$PY" tools/analysis_tools/benchmark.py --device cuda --amp \
  --json "$OUT/benchmark_amp.json"
PY=$PY bash tools/prepare_sample.sh > "$OUT/prepare_sample.log" 2>&1
CONFIG=configs/benchmarks/face_rfcn_r101_memory_wider-sample.py
run train_fp32 "$PY" tools/train.py "$CONFIG" --work-dir "$OUT/train_fp32"
run train_amp "$PY" tools/train.py "$CONFIG" --amp --work-dir "$OUT/train_amp"
echo "figures in $OUT/"
