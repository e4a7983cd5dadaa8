#!/usr/bin/env bash
# Executes the research notebooks (notebooks/*.ipynb, tslab kernel) headlessly with Jupyter's
# nbconvert and fails when any cell raises. Ends with "notebooks: N passed, N failed".
#   bash scripts/notebooks.sh                    every notebook, into a temporary folder (the files stay as they are)
#   bash scripts/notebooks.sh --update           execute in place: refresh the committed outputs
#   bash scripts/notebooks.sh [--update] FILE…   only these notebooks
# Needs what scripts/setup.sh installs: Jupyter (Debian packages), the tslab kernel, built packages.
set -uo pipefail
cd "$(dirname "$0")/.."

update=0
files=()
for arg in "$@"; do
  case "$arg" in
    --update) update=1 ;;
    -h | --help) sed -n 2,7p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) files+=("$arg") ;;
  esac
done
[ "${#files[@]}" -eq 0 ] && files=(notebooks/*.ipynb)

# The system Jupyter (Debian's), not one a Python version manager puts first on PATH.
jupyter=/usr/bin/jupyter
[ -x "$jupyter" ] || jupyter=$(command -v jupyter || true)
if [ -z "$jupyter" ] || ! "$jupyter" nbconvert --version >/dev/null 2>&1; then
  echo "notebooks: jupyter nbconvert not found (run scripts/setup.sh)" >&2
  echo "notebooks: 0 passed, ${#files[@]} failed"
  exit 1
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0
failed=0
for nb in "${files[@]}"; do
  if [ ! -f "$nb" ]; then
    echo "notebooks: FAIL $nb (no such file)"
    failed=$((failed + 1))
    continue
  fi
  if [ "$update" -eq 1 ]; then
    # Committed outputs: notebooks leave out per-face AFLW ground truth (see evaluate-aflw2000).
    where=(--inplace)
    export PRNET_NOTEBOOK_PUBLISH=1
  else
    where=(--output-dir "$out")
  fi
  started=$SECONDS
  # Each cell may take up to 5 minutes, each notebook 10; no timing metadata (stable diffs with --update).
  rc=0
  timeout 600 "$jupyter" nbconvert --to notebook --execute "${where[@]}" \
    --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.record_timing=False "$nb" >"$out/log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "notebooks: ok   $nb ($((SECONDS - started)) s)"
    passed=$((passed + 1))
  elif ! grep -q CellExecutionError "$out/log"; then
    echo "notebooks: FAIL $nb ($((SECONDS - started)) s, exit $rc$([ "$rc" -eq 124 ] && echo ', timed out'))"
    grep -v '^\s*$' "$out/log" | tail -n 20 | sed 's/^/    /'
    failed=$((failed + 1))
  else
    echo "notebooks: FAIL $nb ($((SECONDS - started)) s)"
    # nbconvert's traceback names the failing cell; tslab reports the error itself (type errors,
    # exceptions) on the cell's stderr, which nbconvert does not print: run again keeping the outputs.
    grep -v '^\s*$' "$out/log" | sed -n '/CellExecutionError/,$p' | head -n 20 | sed 's/^/    /'
    timeout 600 "$jupyter" nbconvert --to notebook --execute --allow-errors --output-dir "$out/errors" \
      --ExecutePreprocessor.timeout=300 "$nb" >/dev/null 2>&1
    /usr/bin/python3 - "$out/errors/$(basename "$nb")" <<'PY' 2>/dev/null | head -n 40 | sed 's/^/    /'
import json, sys
for i, cell in enumerate(json.load(open(sys.argv[1]))["cells"]):
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            print(f"cell {i} stderr:\n" + "".join(o["text"]).rstrip())
PY
    failed=$((failed + 1))
  fi
done
echo "notebooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
