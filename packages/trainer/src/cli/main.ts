import { coreAssetPath } from '@prnet/core/node';

const HELP = `prnet-train — data, models and calibration for @prnet/core

Usage:
  prnet-train uv-layout [--resolution R]... [--out DIR] [--data DIR]
      Rasterise the ICT face model's face area into the UV layout assets (mask, dense-vertex
      list, grid triangles, 68 landmark pixels, weight mask, mean face). Default: R = 128 and
      256, written into @prnet/core's assets/.
  prnet-train sample [--out DIR]
      Render the project's sample face image (sample-face.png + its ground truth JSON).
  prnet-train init-model [--architecture prnet-light|resfcn256] [--out DIR] [--data DIR]
      Write an UNTRAINED initial model whose output is the mean face placed in the crop
      (the default model until a trained one ships). Default out: @prnet/core's assets/models/default.
  prnet-train grow-model --model M [--widths a,b,c,d,e] [--encoder-blocks a,b,c,d,e]
                         [--coordinate-channels] --out DIR [--float32]
      A wider (more channels per level) and/or deeper (more residual blocks per encoder level)
      prnet-light whose output equals M's: new channels start with zero influence on the old ones,
      new blocks as the identity, coordinate channels (x, y of the crop as two more stem inputs)
      with zero weights; a starting point for fine-tuning with more capacity.
      (Also as widen-model.)
  prnet-train data synth --out DIR --count N [--seed S] [--workers W] [--image-size 192]
  prnet-train data sheet|verify …
      Synthetic training data: rendered faces with exact position maps, sharded, resumable
      (prnet-train data --help).
  prnet-train data label --aflw DIR --out DIR [--limit N] [--seed S] · data label-calibrate …
      Real photos (AFLW crops) labelled by fitting the ICT model to MediaPipe's face mesh and the
      annotated points: same dataset format, per-photo quality, fit-report.json.
  prnet-train train --run DIR --data DIR[:weight]... [--steps N] [--batch N] [--resume] …
      Train a model (tfjs-node-gpu → tfjs-node → wasm with fast gradient kernels → cpu);
      checkpoints, resume, JSONL logs, validation (prnet-train train --help).
  prnet-train export --checkpoint DIR --out DIR [--float16]
      Export a checkpoint as a model core loads, with a model card stub of measured numbers.
  prnet-train eval [--model M] [--data DIR] [--no-box] [--flip] [--refine | --no-refine] [--json OUT] [--limit N]
      NME (2D/3D, 68 points, per |yaw| bin and their mean), head-pose MAE, ms per face and
      detection rate on a folder in the AFLW2000-3D dev format (prnet-train eval --help).
  prnet-train calibrate-detector [--data DIR] [--score 0.5] [--json OUT] [--boxes-out FILE]
      Measure how BlazeFace boxes map to tight 68-landmark boxes on the AFLW2000-3D dev split and
      fit the keypoint calibration (printed for core's BLAZEFACE_BOX_CALIBRATION; two-fold
      cross-validated boxes to FILE for \`prnet-train eval --boxes FILE\`).
  prnet-train calibrate-landmarks [--model M] [--data DIR] [--radius 12] [--json OUT] [--write]
      Calibrate a model's 68 landmark pixels to the AFLW2000-3D convention on the dev split
      (cross-validated report; --write stores them in the model's metadata).
  prnet-train compare A.json B.json [--metric nme2d|nme3d] [--resamples 10000] [--seed 1] [--json OUT]
      Paired comparison of two \`eval --json\` reports of the same images: B − A per |yaw| bin and
      for the mean of bins with a bootstrap interval, share of images B reads better, pose MAE.

Data: the ICT Face Model and AFLW folders are found in $PRNET_DATA_DIR or ../shared/data.
`;

/** Runs `prnet-train` with `argv` (without node and script); sets `process.exitCode`, never throws. */
export async function runCli(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(HELP);
        if (command === undefined) process.exitCode = 2;
        return;
      case 'uv-layout': {
        const { main } = await import('../uv-layout/tool.js');
        main(rest.includes('--out') ? rest : [...rest, '--out', coreAssetPath()]);
        return;
      }
      case 'sample': {
        const { writeSampleFace } = await import('../render/sample.js');
        const i = rest.indexOf('--out');
        const outDir = i >= 0 && rest[i + 1] ? rest[i + 1] : coreAssetPath('samples');
        const result = writeSampleFace({ outDir });
        console.log(`wrote ${result.imagePath} (${result.bytes} bytes) and ${result.jsonPath}`);
        return;
      }
      case 'init-model': {
        const { main } = await import('../init-model/init-model.js');
        await main(rest);
        return;
      }
      case 'grow-model':
      case 'widen-model': {
        const { main } = await import('../init-model/grow.js');
        await main(rest);
        return;
      }
      case 'data': {
        const { runDataCommand } = await import('../data/data-command.js');
        process.exitCode = await runDataCommand(rest);
        return;
      }
      case 'train': {
        const { runTrainCommand } = await import('../train/train-command.js');
        process.exitCode = await runTrainCommand(rest);
        return;
      }
      case 'export': {
        const { runExportCommand } = await import('../train/train-command.js');
        process.exitCode = await runExportCommand(rest);
        return;
      }
      case 'eval': {
        const { runEvalCommand, EVAL_HELP } = await import('../eval/eval-command.js');
        if (rest.includes('--help') || rest.includes('-h')) process.stdout.write(`${EVAL_HELP}\n`);
        else await runEvalCommand(rest);
        return;
      }
      case 'compare': {
        const { runCompareCommand, COMPARE_HELP } = await import('../eval/compare-command.js');
        if (rest.includes('--help') || rest.includes('-h')) process.stdout.write(COMPARE_HELP);
        else await runCompareCommand(rest);
        return;
      }
      case 'calibrate-landmarks': {
        const { main } = await import('../calibrate/landmarks-command.js');
        process.exitCode = await main(rest);
        return;
      }
      case 'calibrate-detector': {
        const { main } = await import('../calibrate/detector-box.js');
        await main(rest);
        return;
      }
      default:
        process.stderr.write(`prnet-train: unknown command "${command}"\n\n${HELP}`);
        process.exitCode = 2;
    }
  } catch (error) {
    process.stderr.write(`prnet-train ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
