/**
 * Runs the stages in order over one result object, applying the one failure policy:
 * - a skipped stage says why;
 * - an optional stage's failure is a warning and the run goes on;
 * - a gate failure (thresholds, regression) lets the report stage still run, then exits 1;
 * - any other failure of a required stage stops the stages after it (the report still runs when
 *   there is something to report) and earlier stages get `onDownstreamFailure` (deploy rollback).
 */
import type { Config, StageName } from './config/schema.js';
import { ExitCode, GateError, type OrchestraError, StageError, toOrchestraError } from './errors.js';
import type { PerfResult, ResultMeta } from './result.js';
import type { RunContext } from './run-context.js';
import type { Stage, StageDeps } from './stages/stage.js';
import { TOOL_NAME, TOOL_VERSION } from './version.js';

export type StageStatus = 'success' | 'skipped' | 'failed' | 'warning';

export interface StageOutcome {
  stage: StageName;
  status: StageStatus;
  /** Why it was skipped, or what failed. */
  reason?: string;
  durationMs: number;
  summary?: string[];
}

export interface PipelineOutcome {
  result: PerfResult;
  stages: StageOutcome[];
  exitCode: number;
  /** The error that decides the exit code, when there is one. */
  error?: OrchestraError;
}

export interface PipelineInput {
  config: Config;
  context: RunContext;
  /** Stages the user selected (`stages` input); the others are skipped with that reason. */
  selected: ReadonlySet<StageName>;
  stages: readonly Stage<unknown>[];
  /** Stages that cannot run on this machine, with the reason (e.g. no Docker engine locally). */
  unavailable?: Partial<Record<StageName, string>>;
}

export async function runPipeline(input: PipelineInput, deps: StageDeps): Promise<PipelineOutcome> {
  const result: PerfResult = { schemaVersion: 1, meta: resultMeta(input.context) };
  const outcomes: StageOutcome[] = [];
  const succeeded: Stage<unknown>[] = [];
  let decisive: OrchestraError | undefined;
  let stoppedBy: StageName | undefined;

  for (const stage of input.stages) {
    const started = deps.clock.now();
    const done = (status: StageStatus, reason?: string, summary?: string[]) =>
      outcomes.push({
        stage: stage.name,
        status,
        durationMs: Math.round(deps.clock.now() - started),
        ...(reason ? { reason } : {}),
        ...(summary ? { summary } : {}),
      });

    if (!input.selected.has(stage.name)) {
      done('skipped', 'not selected by the stages input');
      continue;
    }
    const unavailable = input.unavailable?.[stage.name];
    if (unavailable) {
      deps.logger.info(`${stage.name}: skipped: ${unavailable}`);
      done('skipped', unavailable);
      continue;
    }
    if (stoppedBy && !(stage.name === 'report' && hasMeasurements(result))) {
      done('skipped', `not run because the ${stoppedBy} stage failed`);
      continue;
    }
    if (deps.signal.aborted) {
      done('skipped', 'the run was cancelled');
      continue;
    }

    let plan: ReturnType<Stage<unknown>['plan']>;
    try {
      plan = stage.plan({ config: input.config, context: input.context, result });
    } catch (error) {
      const failure = new StageError(stage.name, error);
      done('failed', failure.message);
      decisive ??= failure;
      stoppedBy ??= stage.name;
      continue;
    }
    if (!plan.run) {
      deps.logger.info(`${stage.name}: skipped: ${plan.reason}`);
      done('skipped', plan.reason);
      continue;
    }
    const runnable = plan;

    try {
      await deps.logger.group(stage.name, async () => {
        for (const line of runnable.summary) deps.logger.info(line);
        await stage.execute(runnable.plan, result, deps);
      });
      done('success', undefined, runnable.summary);
      const repeat = () => stage.execute(runnable.plan, structuredClone(result), deps);
      for (const earlier of succeeded) {
        if (!earlier.onDownstreamSuccess) continue;
        try {
          await earlier.onDownstreamSuccess(stage.name, result, deps, repeat);
        } catch (error) {
          const failure = error instanceof GateError ? error : new StageError(earlier.name, error);
          deps.logger.error(toOrchestraError(failure).oneLine());
          const outcome = outcomes.find((candidate) => candidate.stage === earlier.name);
          if (outcome) Object.assign(outcome, { status: 'failed', reason: failure.message });
          decisive ??= failure;
        }
      }
      succeeded.push(stage);
    } catch (error) {
      const failure = error instanceof GateError ? error : new StageError(stage.name, error);
      // Optional stages degrade to a warning, except for gates and usage errors (a cache key the
      // service would reject is the user's to fix, not an outage to ride out).
      const usage = toOrchestraError(error).exitCode === ExitCode.usage;
      if (stage.policy === 'optional' && !(error instanceof GateError) && !usage) {
        deps.logger.warning(`${failure.message} (optional stage: the run goes on)`);
        done('warning', failure.message, runnable.summary);
        continue;
      }
      deps.logger.error(toOrchestraError(failure).oneLine());
      done('failed', failure.message, runnable.summary);
      decisive ??= failure;
      if (!(error instanceof GateError)) stoppedBy ??= stage.name;
      await notifyDownstreamFailure(succeeded, stage.name, result, deps);
    }
  }

  return {
    result,
    stages: outcomes,
    exitCode: decisive ? decisive.exitCode : ExitCode.ok,
    ...(decisive ? { error: decisive } : {}),
  };
}

async function notifyDownstreamFailure(
  earlier: readonly Stage<unknown>[],
  failed: StageName,
  result: PerfResult,
  deps: StageDeps,
): Promise<void> {
  for (const stage of [...earlier].reverse()) {
    if (!stage.onDownstreamFailure) continue;
    try {
      await stage.onDownstreamFailure(failed, result, deps);
    } catch (error) {
      deps.logger.error(
        `${stage.name}: reacting to the ${failed} failure failed too: ${toOrchestraError(error).message}`,
      );
    }
  }
}

/** What every result file says about the run it came from. */
export function resultMeta(context: RunContext): ResultMeta {
  return {
    tool: TOOL_NAME,
    version: TOOL_VERSION,
    commit: context.sha,
    ref: context.ref,
    environment: context.environment,
    startedAt: new Date().toISOString(),
    runUrl: context.runUrl,
  };
}

function hasMeasurements(result: PerfResult): boolean {
  return Boolean(result.smoke || result.build || result.image || result.cache || result.deploy);
}

/** Runs every stage's post hook (save caches, remove credentials); one failing does not stop the rest. */
export async function runPostHooks(stages: readonly Stage<unknown>[], deps: StageDeps): Promise<string[]> {
  const problems: string[] = [];
  for (const stage of stages) {
    if (!stage.post) continue;
    try {
      await stage.post(deps);
    } catch (error) {
      const message = `${stage.name} post step: ${toOrchestraError(error).message}`;
      deps.logger.warning(message);
      problems.push(message);
    }
  }
  return problems;
}

export function parseStageSelection(text: string): Set<StageName> | { error: string } {
  const all = ['cache', 'build', 'image', 'deploy', 'smoke', 'report'] as const;
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'all') return new Set(all);
  const names = trimmed.split(/[\s,]+/).filter(Boolean);
  const unknown = names.filter((name) => !(all as readonly string[]).includes(name));
  if (unknown.length > 0)
    return {
      error: `unknown stage${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; stages are ${all.join(', ')} or all`,
    };
  return new Set(names as StageName[]);
}
