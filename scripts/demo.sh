#!/usr/bin/env bash
# The main job: reconstruct the face in the project's sample image with the shipped default
# model and write mesh, texture, landmarks + pose and depth image to ./out/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx --no-install prnet reconstruct packages/core/assets/samples/sample-face.png --out out/demo "$@"
ls -l out/demo
