#!/usr/bin/env bash
# The project's test command: set-up (packages, build), type checks, every package's tests, then
# the notebooks (scripts/notebooks.sh).
# Ends with one plain line "N passed, N failed[, N skipped]" summed over the packages and notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
# setup.sh installs PyTorch (CPU): the GPU trainer's parity tests must run, not skip.
export PRNET_REQUIRE_TORCH=${PRNET_REQUIRE_TORCH:-1}
if [ ! -d ../shared/data ] && [ -z "${PRNET_DATA_DIR:-}" ]; then
  echo "test: ../shared/data not found — tests that need the ICT model / AFLW data will be skipped"
fi
npx --no-install turbo run typecheck --output-logs=errors-only
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
npx --no-install turbo run test --concurrency=1 2>&1 | tee "$log" || status=$?
# The notebooks, executed headlessly (prints "notebooks: 4 passed, 0 failed").
bash scripts/notebooks.sh 2>&1 | tee -a "$log" || status=$?
# vitest prints "Tests  12 passed | 1 failed | 3 skipped (16)" per package; each notebook counts as one test.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^notebooks: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
  /Tests +[0-9]/ {
    for (i = 1; i <= NF; i++) {
      if ($(i+1) ~ /^passed/) p += $i
      if ($(i+1) ~ /^failed/) f += $i
      if ($(i+1) ~ /^skipped/) s += $i
    }
  }
  END { printf "%d passed, %d failed", p, f; if (s) printf ", %d skipped", s; printf "\n" }'
exit "$status"
