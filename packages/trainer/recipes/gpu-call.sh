#!/usr/bin/env bash
# One lent-GPU call that reruns cpu7's whole schedule (MODEL_CARD.md item 11: 4,553 steps of
# batch 256, warm-up 300 and cosine from 1e-3, flips, seed 7, the three sources at cpu7's shares)
# from cpu7's start three times side by side on one GPU, to test the next changes against a
# control trained the same way in the same call:
#   control     w800init, as cpu7 (but at full batch on the GPU instead of micro-batches on the CPU)
#   coords      w800init with coordinate channels (zero weights at the start: the same outputs)
#   coords-plc  the same plus --placement-weight (default 3, as in MODEL_CARD.md item 12)
# Run from the repository root on the GPU machine, with WORK carried: a folder holding pack6/
# (or another pack, PACK=name), gpu3/ (model.json + weights), w800/model.json and w800c/model.json,
# as cpu7-training-set.sh leaves them (only those files: the weights of w800*/ are not needed,
# they are rebuilt here with the same random numbers). The three EMA models and the log go to
# $OUT (the device tool's output folder; default ./gpu-call-out).
#
#   bash packages/trainer/recipes/gpu-call.sh WORK     # STEPS=4553 MINUTES= PLACEMENT=3 RUNS="control coords coords-plc"
#
# The device tool sends the repository (≈ 18 MB tracked) and at most 64 MiB in all, so the pack
# that travels must stay under ≈ 42 MB beside gpu3's 6 MB: pack6 is 57 MB (JPEG quality 50; at
# JPEG quality 30 still 45.5 MB), so re-pack its images as WebP (the runs of one call share the
# pack, so they stay comparable with each other, not exactly with cpu7). From the repository root:
#   W=/path/to/datasets; mkdir -p gpu-work/w800 gpu-work/w800c; echo /gpu-work/ >> .git/info/exclude
#   (cd $W && PYTHONPATH=$OLDPWD/packages/trainer/gpu python3 -m prnet_gpu.pack \
#       --pairs pairs-real-all,pairs-synth-v2:1500,pairs-prnet --out pack6-webp60 --components 48 --webp-quality 60)
#   cp -r $W/pack6-webp60 gpu-work/pack6; cp -r $W/gpu3 gpu-work/
#   cp $W/w800/model.json gpu-work/w800/; cp $W/w800c/model.json gpu-work/w800c/
# then the device tool's run with carry ["gpu-work"], timeout 600 s:
#   bash packages/trainer/recipes/gpu-call.sh gpu-work
# Three runs share the GPU (on an H100, three such runs took ≈ 7 minutes for 4,553 steps each);
# the device tool stops a command after 10 minutes, so where that is at risk MINUTES=6 time-boxes
# the same schedule instead of STEPS (the cosine then runs over the minutes: fewer steps).
#
# Without a GPU, cpu-schedule.sh runs one of these runs on the CPU in resumable segments.
# EXTRA="…" adds prnet_gpu.train options to every run (a dry run on a CPU: STEPS=2 EXTRA="--micro-batch 32 --threads 1").
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/schedule.sh"
work=${1:?usage: gpu-call.sh WORK}
out=${OUT:-$PWD/gpu-call-out}
pack=$work/${PACK:-pack6}
steps=${STEPS:-4553}
placement=${PLACEMENT:-3}
runs=${RUNS:-control coords coords-plc}
python=${PRNET_PYTHON:-python3}
export PYTHONPATH="$PWD/packages/trainer/gpu${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
tmp=${TMPDIR:-/tmp}/gpu-call
mkdir -p "$out" "$tmp"
log=$out/gpu-call.log
say() { echo "[$(date -u +%FT%TZ)] $*" | tee -a "$log"; }
say "$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
"$python" -m prnet_gpu.grow --source "$work/gpu3/model.json" --topology "$work/w800/model.json" --out "$tmp/w800init" --seed 1 | tee -a "$log"
"$python" -m prnet_gpu.grow --source "$tmp/w800init/model.json" --topology "$work/w800c/model.json" --out "$tmp/w800c" --seed 1 | tee -a "$log"
common=(--pack "$pack" "${CPU7_SCHEDULE[@]}" --checkpoint-minutes 3 --log-seconds 30)
read -r -a extra <<< "${EXTRA:-}"
common+=("${extra[@]}")
if [ -n "${MINUTES:-}" ]; then common+=(--minutes "$MINUTES"); else common+=(--steps "$steps"); fi
pids=()
for run in $runs; do
  run_start_args "$run" "$tmp/w800init/model.json" "$tmp/w800c/model.json" "$placement"
  "$python" -m prnet_gpu.train "${common[@]}" "${RUN_ARGS[@]}" --out "$tmp/$run" > "$tmp/$run.log" 2>&1 &
  pids+=($!)
  say "started $run: ${RUN_ARGS[*]}"
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for run in $runs; do
  { echo "== $run"; grep -v '^step ' "$tmp/$run.log" || true; { grep '^step ' "$tmp/$run.log" || true; } | tail -n 3; } | tee -a "$log"
  if [ -s "$tmp/$run/ema/model.weights.bin" ]; then
    mkdir -p "$out/$run" && cp "$tmp/$run/ema/model.json" "$tmp/$run/ema/model.weights.bin" "$out/$run/"
  fi
done
say "done (status $status)"
exit $status
