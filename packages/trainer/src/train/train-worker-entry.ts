/**
 * Entry file of a data-parallel training worker thread (bundled as `dist/train-worker.js`; the
 * trainer starts it with `new Worker`, see parallel.ts). Not to be imported.
 */
import { runGradientWorker } from './gradient-worker.js';

runGradientWorker();
