# cpu7's schedule (MODEL_CARD.md item 11) and the runs compared against it, shared by gpu-call.sh
# and cpu-schedule.sh. Sourced, not run.

# 4,553 steps (given apart: STEPS) of batch 256, warm-up 300 and cosine from 1e-3, flips, seed 7,
# the three pack sources at cpu7's shares.
CPU7_SCHEDULE=(--batch 256 --lr 1e-3 --warmup 300 --float16 --flip 0.5 --val 512 --seed 7
               --source-weights 0.6548,0.25,0.0952)

# run_start_args RUN PLAIN_START COORDS_START PLACEMENT — sets RUN_ARGS to the prnet_gpu.train options
# of one run: control (the plain start, as cpu7), coords (the start with coordinate channels),
# coords-plc (coords plus --placement-weight PLACEMENT), plc (the plain start plus it).
run_start_args() {
  case $1 in
    control) RUN_ARGS=(--init "$2") ;;
    coords) RUN_ARGS=(--init "$3") ;;
    coords-plc) RUN_ARGS=(--init "$3" --placement-weight "$4") ;;
    plc) RUN_ARGS=(--init "$2" --placement-weight "$4") ;;
    *) echo "unknown run '$1' (control, coords, coords-plc, plc)" >&2; return 2 ;;
  esac
}
