/** The load generator's public surface: run a test, merge shard results, evaluate thresholds. */
export { mergeSmokeResults } from './merge.js';
export { ERROR_KINDS, type ErrorKind } from './recorder.js';
export { redactUrl, type Workload, type WorkloadPath } from './request.js';
export { type LoadTestOptions, runLoadTest, SATURATION_ELU, type Shard } from './run.js';
export { describeFailures, evaluateThresholds } from './thresholds.js';
