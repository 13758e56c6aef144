/**
 * The contract every pipeline stage implements: a pure `plan` that turns config, run context and
 * the results of earlier stages into a value (or a reason to skip), and a thin `execute` that
 * carries the plan out through adapters and writes its section of the result.
 */
import type { Clock } from '../adapters/clock.js';
import type { ProcessRunner } from '../adapters/process.js';
import type { Config, StageName } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { PerfResult } from '../result.js';
import type { RunContext } from '../run-context.js';

export type StagePlan<P> = { run: true; plan: P; summary: string[] } | { run: false; reason: string };

export const skip = (reason: string): { run: false; reason: string } => ({ run: false, reason });

/**
 * How a failure of the stage is treated: `required` fails the run; `optional` becomes a warning
 * and the pipeline goes on (cache, for example: a cache outage must not block a deploy).
 */
export type FailurePolicy = 'required' | 'optional';

/** Key/value state carried from the main step to the post step (GITHUB_STATE in Actions). */
export interface StateStore {
  save(key: string, value: string): void;
  get(key: string): string;
}

/** The services every entry point provides itself, before stage-specific adapters are added. */
export type BaseServices = Pick<StageServices, 'outputs' | 'writeSummary'>;

/** What a stage may use while executing. Extended by stages through `services`. */
export interface StageDeps {
  logger: Logger;
  process: ProcessRunner;
  clock: Clock;
  state: StateStore;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Adapters for external services, keyed by name; each stage declares what it needs. */
  services: Partial<StageServices>;
}

/** Where stages publish action outputs that are not part of the result file (verdict, comment URL). */
export interface OutputSink {
  set(name: string, value: string): void;
}

/**
 * Typed registry of service adapters. The entry point fills it in; stage modules add their own
 * members through declaration merging.
 */
export interface StageServices {
  outputs: OutputSink;
  /** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY), or to report.md locally. */
  writeSummary: (markdown: string) => Promise<void>;
}

export interface StageInput {
  config: Config;
  context: RunContext;
  /** Results so far (earlier stages' sections). */
  result: Readonly<PerfResult>;
}

export interface Stage<P = unknown> {
  name: StageName;
  policy: FailurePolicy;
  plan(input: StageInput): StagePlan<P>;
  execute(plan: P, result: PerfResult, deps: StageDeps): Promise<void>;
  /** Runs in the post step even after failures: save caches, remove credentials, log out. */
  post?(deps: StageDeps): Promise<void>;
  /**
   * Called when a later stage fails after this one succeeded, e.g. deploy rolls traffic back to
   * the previous ready revision when the smoke stage fails on a serving deploy.
   */
  onDownstreamFailure?(failed: StageName, result: PerfResult, deps: StageDeps): Promise<void>;
  /**
   * Called when a later stage succeeded after this one, with `repeat` re-running that stage's
   * plan (into a scratch copy of the result): deploy walks canary steps, each gated by a repeated
   * smoke test. Throwing fails the run.
   */
  onDownstreamSuccess?(
    succeeded: StageName,
    result: PerfResult,
    deps: StageDeps,
    repeat: () => Promise<void>,
  ): Promise<void>;
}
