#!/usr/bin/env bash
# One of gpu-call.sh's runs on the CPU instead: cpu7's whole schedule (MODEL_CARD.md item 11) from
# cpu7's start, in segments that resume across sessions. On two cores it ran at 43–54 samples/s
# in float32 (micro-batches of 128): 6–7 h for the 4,553 steps; with bfloat16 passes (PRECISION
# below) 89–98 samples/s: ≈ 3.5 h. Each call trains MINUTES (default 120), writes a checkpoint and
# stops; the same command continues it, until the schedule ends (STEPS shortens it).
#
#   bash packages/trainer/recipes/cpu-schedule.sh WORK RUN [MINUTES]
#
# WORK: as cpu7-training-set.sh leaves it (pack6/, w800init/ and w800c/ with their weights).
# RUN: control | coords | coords-plc | plc (schedule.sh). The run goes to RUN_DIR (default
# WORK/runs/RUN): state.pt, train-log.jsonl, model/ and ema/ (evaluate ema/model.json).
# Environment: PACK=pack6, STEPS=4553, PLACEMENT=3, THREADS=(every core), MICRO_BATCH=128,
# PRNET_PYTHON=/usr/bin/python3 (Debian's, with python3-torch), EXTRA="…" more prnet_gpu.train options,
# PRECISION=bfloat16 where the CPU has avx512_bf16 or amx_bf16 (×1.3–1.4 float32's rate in the same
# channels_last layout), else float32.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/schedule.sh"
work=$(cd "${1:?usage: cpu-schedule.sh WORK RUN [MINUTES]}" && pwd)
run=${2:?usage: cpu-schedule.sh WORK RUN [MINUTES]}
minutes=${3:-120}
run_start_args "$run" "$work/w800init/model.json" "$work/w800c/model.json" "${PLACEMENT:-3}"
read -r -a extra <<< "${EXTRA:-}"
precision=${PRECISION:-$(grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo 2>/dev/null && echo bfloat16 || echo float32)}
export PYTHONPATH="$here/../gpu${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
exec "${PRNET_PYTHON:-/usr/bin/python3}" -m prnet_gpu.train --pack "$work/${PACK:-pack6}" "${RUN_ARGS[@]}" \
  "${CPU7_SCHEDULE[@]}" --steps "${STEPS:-4553}" --out "${RUN_DIR:-$work/runs/$run}" \
  --cpu --threads "${THREADS:-$(nproc)}" --micro-batch "${MICRO_BATCH:-128}" --checkpoint-minutes 10 \
  --precision "$precision" --resume --stop-after-minutes "$minutes" "${extra[@]}"
