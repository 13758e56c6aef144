/**
 * The action's main step: read inputs, resolve the config, run the pipeline, write the result
 * file, outputs and job summary. Everything it touches comes in through `MainDeps`, so the runner
 * emulation in the tests drives exactly this code.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../adapters/atomic-file.js';
import type { Clock } from '../adapters/clock.js';
import type { ProcessRunner } from '../adapters/process.js';
import { overridesFromInputs } from '../config/inputs.js';
import { readConfigSource, resolveConfig } from '../config/load.js';
import { ExitCode, toOrchestraError, UsageError } from '../errors.js';
import { githubRunContext } from '../github/context.js';
import type { Logger } from '../logger.js';
import { parseStageSelection, runPipeline } from '../pipeline.js';
import { googleAccessTokenService } from '../stages/deploy/google-token.js';
import type { BaseServices, Stage, StageDeps, StageServices } from '../stages/stage.js';
import type { ActionIO } from './action-io.js';
import { outputsFromResult } from './outputs.js';
import { renderRunSummary } from './run-summary.js';

export const DEFAULT_CONFIG_PATH = '.github/orchestra-perf.yml';
export const STATE_MAIN_EXIT = 'main-exit-code';

export interface MainDeps {
  io: ActionIO;
  logger: Logger;
  process: ProcessRunner;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  stages: readonly Stage<unknown>[];
  /** Builds the service adapters once the context is known (GitHub API, cache backend, Google). */
  services: () => Partial<StageServices>;
  signal: AbortSignal;
}

export async function runMain(deps: MainDeps): Promise<number> {
  const { io, logger } = deps;
  const token = io.getInput('github-token');
  if (token) logger.mask(token);
  try {
    const workingDirectory = resolve(io.getInput('working-directory') || '.');
    if (!existsSync(workingDirectory)) {
      throw new UsageError(
        `working-directory "${workingDirectory}" does not exist`,
        'point working-directory at a folder of the checkout',
      );
    }
    process.chdir(workingDirectory);

    const environment = io.getInput('environment') || 'default';
    // Relative paths in the config (build tasks, cache key files, image context) start here.
    const context = { ...githubRunContext(deps.env, environment), workspace: workingDirectory };
    const selected = parseStageSelection(io.getInput('stages'));
    if ('error' in selected)
      throw new UsageError(`input stages: ${selected.error}`, 'e.g. stages: build,image,deploy');

    const configInput = io.getInput('config');
    const configPath = configInput || DEFAULT_CONFIG_PATH;
    const file = configInput || existsSync(configPath) ? await readConfigSource(configPath) : undefined;
    const config = resolveConfig({
      file,
      environment,
      overrides: overridesFromInputs((name) => io.getInput(name)),
    });

    const notices: string[] = [];
    if (context.untrustedPullRequest) {
      const notice = `${context.untrustedReason}: it gets no OIDC token and a read-only GITHUB_TOKEN, so deploy and the PR comment are skipped; the results are in the job summary.`;
      logger.notice(notice);
      notices.push(notice);
    }

    const summaryParts: string[] = [];
    const base: BaseServices = {
      outputs: { set: (name, value) => io.setOutput(name, value) },
      writeSummary: async (markdown) => {
        summaryParts.push(markdown);
      },
    };
    const stageDeps: StageDeps = {
      logger,
      process: deps.process,
      clock: deps.clock,
      state: io,
      signal: deps.signal,
      env: deps.env,
      services: {
        ...base,
        // One lazily created Google credential shared by the image (registry login) and deploy
        // stages; undefined on an untrusted PR, so fork code never reaches the OIDC endpoint.
        ...optional(
          'googleAccessToken',
          googleAccessTokenService({ config, context, env: deps.env, logger, signal: deps.signal }),
        ),
        ...deps.services(),
      },
    };

    const outcome = await runPipeline(
      {
        config,
        context,
        selected,
        stages: deps.stages,
      },
      stageDeps,
    );

    const resultPath = join(context.tempDir, 'orchestra-perf', `perf-result-${environment}.json`);
    await writeJsonAtomic(resultPath, outcome.result);
    io.setOutput('result-path', resultPath);
    for (const [name, value] of Object.entries(outputsFromResult(outcome.result))) {
      if (value !== undefined) io.setOutput(name, value);
    }
    await io.appendSummary(
      [...summaryParts, renderRunSummary(outcome.result, outcome.stages, notices)].join('\n'),
    );
    io.save(STATE_MAIN_EXIT, String(outcome.exitCode));
    if (outcome.error) io.setFailed(toOrchestraError(outcome.error).oneLine());
    return outcome.exitCode;
  } catch (error) {
    const failure = toOrchestraError(error);
    io.save(STATE_MAIN_EXIT, String(failure.exitCode));
    io.setFailed(failure.oneLine());
    return failure.exitCode || ExitCode.gateFailed;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
