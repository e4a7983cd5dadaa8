#!/usr/bin/env bash
# Rebuilds, in WORKDIR, what the shipped default model (cpu7, MODEL_CARD.md item 11) was trained
# from, with the commands the model card lists, so that a fresh machine can rerun or vary its
# schedule (a lent GPU, or the CPU across sessions):
#   gpu3/, gpu4/       earlier defaults, from the repository's history (the start's source; the teacher)
#   w800/              grow-model's 16/64/160/400/800 topology (only its model.json is used)
#   w800init/          gpu3 widened by prnet_gpu.grow --seed 1: cpu7's (and gpu4's) start, float32
#   w800c/             w800init with coordinate channels added through zero kernel entries (same outputs)
#   aflw-lab-all/      MediaPipe-teacher labels of every AFLW crop (15,196 kept of 19,080 before)
#   aflw-lab-prnet/    gpu4-teacher labels of the photos that labelling dropped (2,210 kept before)
#   synth-v2/          2,000 synthetic faces, generator version 2, seed 1
#   pairs-*/           the three exported as training pairs (JPEG 75)
#   pack6/             prnet_gpu's pack of them (48 PCA components, JPEG 50), ≈ 57 MB: cpu7's
#   pack6-webp60/      the same images as WebP at quality 60, ≈ 40 MB: small enough to travel to a
#                      lent GPU beside the repository (gpu-call.sh)
# Every step is skipped when its output is complete, and the label and synth runs resume their
# shards, so after an interruption the same command continues. Needs the repository's setup
# (scripts/setup.sh: npm packages, build, PyTorch for PRNET_PYTHON, default /usr/bin/python3) and the shared data (../shared/data or
# PRNET_SHARED_DATA). Takes about an hour on two cores (mostly the two label runs).
#
#   bash packages/trainer/recipes/cpu7-training-set.sh /path/outside/the/repo/datasets
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
work=${1:?usage: cpu7-training-set.sh WORKDIR (outside the repository)}
shared=${PRNET_SHARED_DATA:-$repo/../shared/data}
workers=${PRNET_WORKERS:-2}
[ -d "$shared/aflw-crops" ] || { echo "cpu7-training-set: no AFLW crops at $shared/aflw-crops (set PRNET_SHARED_DATA)" >&2; exit 1; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
cd "$work"
train=("$repo/node_modules/.bin/prnet-train")
python=${PRNET_PYTHON:-/usr/bin/python3}  # Debian's python3-torch, as the trainer's tests use
export PYTHONPATH="$repo/packages/trainer/gpu${PYTHONPATH:+:$PYTHONPATH}"
say() { echo "[$(date -u +%FT%TZ)] cpu7-training-set: $*"; }

# 1. Earlier defaults from the repository's history.
for entry in gpu3:d2293c2 gpu4:9cd87b5; do
  name=${entry%%:*} commit=${entry#*:}
  if [ ! -s "$name/model.weights.bin" ]; then
    say "$name from commit $commit"
    mkdir -p "$name"
    for f in model.json model.weights.bin; do
      git -C "$repo" show "$commit:packages/core/assets/models/default/$f" > "$name/$f.tmp"
    done
    mv "$name/model.json.tmp" "$name/model.json" && mv "$name/model.weights.bin.tmp" "$name/model.weights.bin"
  fi
done

# 2. The start: gpu3 widened (the same random numbers as cpu7's start), and with coordinate channels.
[ -s w800/model.json ] || { say "w800 topology"; "${train[@]}" grow-model --model gpu3/model.json --widths 16,64,160,400,800 --out w800; }
[ -s w800init/model.weights.bin ] || { say "w800init"; "$python" -m prnet_gpu.grow --source gpu3/model.json --topology w800/model.json --out w800init --seed 1; }
[ -s w800c/model.weights.bin ] || { say "w800c"; "${train[@]}" grow-model --model w800init/model.json --coordinate-channels --float32 --out w800c; }

# 3. Labels and synthetic faces (each run resumes its complete shards).
say "aflw-lab-all (MediaPipe teacher)"
"${train[@]}" data label --aflw "$shared/aflw-crops" --out aflw-lab-all --limit 19080 --workers "$workers"
say "aflw-lab-prnet (gpu4 teacher, the photos aflw-lab-all dropped)"
"${train[@]}" data label --aflw "$shared/aflw-crops" --out aflw-lab-prnet --teacher prnet --teacher-model gpu4/model.json \
  --only-dropped-in aflw-lab-all --workers "$workers"
say "synth-v2"
"${train[@]}" data synth --out synth-v2 --count 2000 --seed 1 --workers "$workers"

# 4. Pairs and the pack.
for entry in aflw-lab-all:pairs-real-all aflw-lab-prnet:pairs-prnet synth-v2:pairs-synth-v2; do
  data=${entry%%:*} pairs=${entry#*:}
  [ -s "$pairs/pairs.json" ] || { say "$pairs"; rm -rf "$pairs"; "${train[@]}" data export-pairs --data "$data" --out "$pairs" --jpeg-quality 75; }
done
[ -s pack6/pack.json ] || { say "pack6"; rm -rf pack6; "$python" -m prnet_gpu.pack --pairs pairs-real-all,pairs-synth-v2:1500,pairs-prnet --out pack6 --components 48 --jpeg-quality 50; }
[ -s pack6-webp60/pack.json ] || { say "pack6-webp60"; rm -rf pack6-webp60; "$python" -m prnet_gpu.pack --pairs pairs-real-all,pairs-synth-v2:1500,pairs-prnet --out pack6-webp60 --components 48 --webp-quality 60; }
say "done: $work/pack6 (and pack6-webp60), starts $work/w800init (cpu7's) and $work/w800c (with coordinate channels)"
