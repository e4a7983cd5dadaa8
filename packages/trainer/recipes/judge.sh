#!/usr/bin/env bash
# Judges a candidate model against a baseline (default: the model shipped in @prnet/core) on the
# AFLW2000-3D dev split, the way MODEL_CARD.md's items decide what ships:
#
#   bash packages/trainer/recipes/judge.sh CANDIDATE/model.json OUT [BASELINE/model.json]
#
# 1. Copies the candidate's folder to OUT/candidate and calibrates its 68 landmark pixels there
#    (`calibrate-landmarks --write`; the report, with the two-fold cross-validated mean of bins, in
#    OUT/calibrate-candidate.txt). The baseline's own report (nothing written) goes to
#    OUT/calibrate-baseline.txt, so both cross-validated means can be set side by side.
# 2. Evaluates both: ground-truth boxes with createPrnet's defaults (gt), one pass (gt-1p), and
#    BlazeFace boxes (blazeface): OUT/{baseline,candidate}-{gt,gt-1p,blazeface}.{json,txt}.
# 3. Pairs them face by face: OUT/compare-{gt,gt-1p,blazeface}.{txt,json} (`prnet-train compare`,
#    A = baseline, B = candidate: negative differences favour the candidate).
#
# Environment: DATA (an AFLW2000-3D folder; default <shared data>/aflw2000-dev), SKIP_CALIBRATION=1
# (judge the candidate's landmark pixels as they are), PRNET_TRAIN (the command; default this
# package's bin, which needs `npm run build`).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage='usage: judge.sh CANDIDATE/model.json OUT [BASELINE/model.json]'
candidate=${1:?$usage}
out=${2:?$usage}
baseline=${3:-}
[ -f "$candidate" ] || { echo "judge: no candidate model at $candidate" >&2; exit 2; }
[ -z "$baseline" ] || [ -f "$baseline" ] || { echo "judge: no baseline model at $baseline" >&2; exit 2; }
read -r -a train <<< "${PRNET_TRAIN:-node $here/../bin/prnet-train.cjs}"
data=()
[ -z "${DATA:-}" ] || data=(--data "$DATA")
mkdir -p "$out"
rm -rf "$out/candidate"
cp -r "$(dirname "$candidate")" "$out/candidate"
cand="$out/candidate/$(basename "$candidate")"
base=()
[ -z "$baseline" ] || base=(--model "$baseline")

echo "judge: calibrating the candidate's landmark pixels (${SKIP_CALIBRATION:+skipped; }$out/calibrate-*.txt)"
if [ -z "${SKIP_CALIBRATION:-}" ]; then
  "${train[@]}" calibrate-landmarks --model "$cand" "${data[@]}" --write --json "$out/calibrate-candidate.json" > "$out/calibrate-candidate.txt"
fi
"${train[@]}" calibrate-landmarks "${base[@]}" "${data[@]}" --json "$out/calibrate-baseline.json" > "$out/calibrate-baseline.txt"

declare -A flags=([gt]='' [gt-1p]='--no-refine' [blazeface]='--no-box')
for setting in gt gt-1p blazeface; do
  read -r -a extra <<< "${flags[$setting]}"
  echo "judge: evaluating ($setting)"
  "${train[@]}" eval "${base[@]}" "${data[@]}" "${extra[@]}" --quiet --json "$out/baseline-$setting.json" > "$out/baseline-$setting.txt"
  "${train[@]}" eval --model "$cand" "${data[@]}" "${extra[@]}" --quiet --json "$out/candidate-$setting.json" > "$out/candidate-$setting.txt"
  "${train[@]}" compare "$out/baseline-$setting.json" "$out/candidate-$setting.json" --json "$out/compare-$setting.json" > "$out/compare-$setting.txt"
done

echo
for who in baseline candidate; do
  [ -f "$out/calibrate-$who.txt" ] || continue
  echo "$who, calibrated landmark pixels (mean of bins, last column):"
  grep -E 'cross-validated|2-fold CV|in-sample' "$out/calibrate-$who.txt" | sed 's/^/  /'
done
for setting in gt gt-1p blazeface; do
  echo "candidate − baseline, $setting ($out/compare-$setting.txt):"
  grep -E '^(mean|pose|B better|bootstrap)' "$out/compare-$setting.txt" | sed 's/^/  /'
done
