/**
 * Entry file of a dataset-generation worker thread (bundled as `dist/data-worker.js`; the writer
 * starts it with `new Worker`). Not to be imported.
 */
import { runShardWorker } from './shard-worker.js';

runShardWorker();
