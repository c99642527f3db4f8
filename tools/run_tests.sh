#!/usr/bin/env bash
# Set up the pinned environment (cached after the first run) and run the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
.venv/bin/ruff check .
start=$SECONDS
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
echo "test suite: $((SECONDS - start)) s"
# pytest exits 5 when no test ran: that is a failure for CI, never a pass.
exit $rc
