#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine (Debian + Node 20), then builds.
# Idempotent: skips what is already there. Used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Debian packages the tests and tools need (Jupyter's nbconvert and kernel support for the
# notebooks; Chromium for the playground's browser tests; PyTorch (CPU) for the GPU trainer's
# parity tests, packages/trainer/gpu, with OpenBLAS: the reference BLAS makes its PCA 60x slower).
# Installed only when missing.
need_apt=()
for pkg in ${PRNET_APT_PACKAGES:-jupyter-core jupyter-nbconvert python3-nbconvert python3-ipykernel chromium python3-torch python3-pil libopenblas0-pthread}; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# npm packages: a clean install from the lockfile when node_modules is missing or stale.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --loglevel=error
fi

# The TypeScript Jupyter kernel (tslab, an npm dependency of notebooks/) that the notebooks run
# on, registered with the system Python's Jupyter for this checkout (again when it points elsewhere).
tslab_bin="$PWD/node_modules/.bin/tslab"
if [ -x "$tslab_bin" ] && /usr/bin/python3 -c 'import jupyter_client' 2>/dev/null; then
  registered=$(/usr/bin/python3 -c 'from jupyter_client.kernelspec import KernelSpecManager as K; print(K().get_kernel_spec("tslab").argv[0])' 2>/dev/null || true)
  if [ "$registered" != "$tslab_bin" ]; then
    echo "setup: registering the tslab Jupyter kernel"
    "$tslab_bin" install --python=/usr/bin/python3 --binary="$tslab_bin" >/dev/null
  fi
fi

echo "setup: building packages"
npx --no-install turbo run build --output-logs=errors-only
