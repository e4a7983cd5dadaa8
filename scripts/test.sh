#!/usr/bin/env bash
# The project's test command: set-up (packages, build), type checks, then every package's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
if [ ! -d ../shared/data ] && [ -z "${PRNET_DATA_DIR:-}" ]; then
  echo "test: ../shared/data not found — tests that need the ICT model / AFLW data will be skipped"
fi
npx --no-install turbo run typecheck --output-logs=errors-only
npx --no-install turbo run test --concurrency=1
