/**
 * Evaluation on AFLW2000-3D (3DDFA / PRNet protocol): metrics, the dataset reader, the evaluation
 * loop, reports and the `prnet-train eval` command. Importing this module does no work.
 */
export * from './metrics.js';
export * from './error-breakdown.js';
export * from './aflw2000.js';
export * from './evaluate.js';
export * from './report.js';
export * from './compare.js';
export { runEvalCommand, EVAL_HELP } from './eval-command.js';
export { runCompareCommand, COMPARE_HELP } from './compare-command.js';
