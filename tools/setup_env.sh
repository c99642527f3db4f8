#!/usr/bin/env bash
# Sets up the pinned OpenMMLab stack for mmfacerfcn in a virtual environment.
#
#   bash tools/setup_env.sh            # creates/updates .venv in the repo root
#   VENV=/path/to/venv bash tools/setup_env.sh
#
# mmcv 2.1.0 (the newest mmcv that mmdet 3.3.0 accepts) has no wheel on PyPI for
# torch 2.14, so it is built from its sdist with compiled ops (MMCV_WITH_OPS=1).
# CUDA ops are built too when nvcc and a GPU are present (mmcv's setup.py decides,
# FORCE_CUDA=1 forces it). The built wheel is cached outside the work tree in
# $MMFACERFCN_CACHE (default ~/.cache/mmfacerfcn/wheels), keyed by Python, torch
# and CUDA versions, so only a fresh machine pays the ~20 minute build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
CACHE="${MMFACERFCN_CACHE:-$HOME/.cache/mmfacerfcn/wheels}"
PYTHON="${PYTHON:-python3}"

TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
MMENGINE_VERSION=0.10.7
MMDET_VERSION=3.3.0

log() { printf '[setup_env %(%H:%M:%S)T] %s\n' -1 "$*"; }
start=$SECONDS

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check -q)
# torch 2.14 needs setuptools>=77; wheel builds mmcv's bdist_wheel.
"${PIP[@]}" install "setuptools>=77,<80" wheel

# Only installs when something is missing or at the wrong version: a second run is
# a few seconds.
have() { "$PY" - "$@" <<'PYEOF'
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for spec in sys.argv[1:]:
    name, want = spec.split('==')
    try:
        ok &= version(name) == want
    except PackageNotFoundError:
        ok = False
sys.exit(0 if ok else 1)
PYEOF
}

if ! have torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION; then
  log "installing torch $TORCH_VERSION, torchvision $TORCHVISION_VERSION"
  "${PIP[@]}" install "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi

log "installing pinned runtime, test and deploy (ONNX export) requirements"
"${PIP[@]}" install -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" -r "$ROOT/requirements/deploy.txt"
"${PIP[@]}" install --no-deps openmim==0.3.9

if ! have mmcv==$MMCV_VERSION || ! "$PY" -c "import mmcv.ops" 2>/dev/null; then
  key=$("$PY" -c "import sys, torch; print(f'py{sys.version_info.major}{sys.version_info.minor}-torch{torch.__version__.split(\"+\")[0]}-' + (('cu' + torch.version.cuda.replace('.', '')) if (torch.version.cuda and __import__('shutil').which('nvcc') and (torch.cuda.is_available() or __import__('os').environ.get('FORCE_CUDA') == '1')) else 'cpu'))")
  wheel_dir="$CACHE/mmcv-$MMCV_VERSION-$key"
  wheel=$(ls "$wheel_dir"/mmcv-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$wheel" ]; then
    log "no cached mmcv wheel for $key: building mmcv $MMCV_VERSION with ops from its sdist (about 20 min on 2 cores)"
    build=$(mktemp -d)
    "${PIP[@]}" download --no-deps --no-binary :all: --no-build-isolation -d "$build" "mmcv==$MMCV_VERSION"
    tar -xzf "$build"/mmcv-$MMCV_VERSION.tar.gz -C "$build"
    src="$build/mmcv-$MMCV_VERSION"
    # torch 2.14's C++ headers refuse any standard older than C++20, but mmcv 2.1.0's
    # setup.py passes -std=c++17 (and nvcc's -std=c++17) for every extension. Ask for
    # C++20 instead; the mmcv sources compile unchanged under it.
    sed -i 's/c++17/c++20/g; s/c++14/c++20/g' "$src/setup.py"
    grep -q 'c++20' "$src/setup.py" || { echo "setup_env: could not patch mmcv setup.py to C++20" >&2; exit 1; }
    mkdir -p "$wheel_dir"
    (cd "$src" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "$PY" -m pip --disable-pip-version-check wheel --no-deps --no-build-isolation -w "$wheel_dir.tmp" . )
    mv "$wheel_dir.tmp"/mmcv-*.whl "$wheel_dir"/ && rmdir "$wheel_dir.tmp"
    rm -rf "$build"
    wheel=$(ls "$wheel_dir"/mmcv-*.whl | head -n1)
  else
    log "using cached mmcv wheel $wheel"
  fi
  "${PIP[@]}" install --no-deps --force-reinstall "$wheel"
fi

if ! have mmdet==$MMDET_VERSION; then
  log "installing mmdet $MMDET_VERSION"
  "${PIP[@]}" install "mmdet==$MMDET_VERSION"
fi

log "installing mmfacerfcn (editable)"
# Development (egg-link) install, not pip's PEP 660 editable wheel: openmim
# finds a package's configs and tools from its distribution's location, which
# must be the repository root for `mim train/test mmfacerfcn` to see
# mmfacerfcn/.mim/{configs,tools} (setup.py links them there).
if [ "$("$PY" -W ignore -c "import pkg_resources as p; print(p.get_distribution('mmfacerfcn').location)" 2>/dev/null)" != "$ROOT" ]; then
  "${PIP[@]}" uninstall -y mmfacerfcn >/dev/null 2>&1 || true
  (cd "$ROOT" && "$PY" -W ignore setup.py -q develop --no-deps >/dev/null)
fi

"$PY" -c "from mmfacerfcn.utils.env_check import main; main()"
log "environment ready in $((SECONDS - start)) s: $VENV"
