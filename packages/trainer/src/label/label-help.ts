/** Help text of `prnet-train data label|label-calibrate` (kept apart so `data --help` loads no tfjs). */
export const LABEL_COMMAND_HELP = `  prnet-train data label --aflw DIR --out DIR [--limit N] [--seed S] [--shard-size 500]
                         [--max-nme 0.08] [--min-face-score 0.5] [--no-annotations true] [--image-format rgb|jpeg]
                         [--workers 1] [--sheet FILE.png]
                         [--teacher mediapipe|prnet] [--teacher-model model.json] [--only-dropped-in DIR]
      Label real photos (AFLW crops) with fitted ICT meshes: MediaPipe's face mesh (teacher) + the
      21 annotated points → morphable-model fit → position maps, in the synthetic dataset format,
      with per-photo quality (shard-*.quality.json) and fit-report.json (NME per yaw bin).
      Resumable; bad fits are dropped. --workers N labels shards in N child processes (one core
      each); --sheet FILE.png also writes a contact sheet of random labelled samples.
      --teacher prnet starts each fit from a PRNet model's answer instead of MediaPipe's
      (--teacher-model, default the shipped model, run with its test-time flip and two-pass upright
      crop); with --only-dropped-in DIR (an earlier label dataset) only the photos DIR did not keep
      are labelled — mostly profiles, where MediaPipe's mesh fails.
  prnet-train data label-calibrate --aflw DIR [--renders 200] [--samples 300] [--out-dir DIR]
      Regenerate the label assets: the teacher → ICT correspondence (mediapipe-to-ict.json, from
      synthetic renders) and the AFLW-21 → ICT vertices (aflw21-to-ict.json, from teacher-only fits
      on the AFLW calibration split). Default out-dir: the trainer's assets/.
`;
