/**
 * Runs one build task as a real process through the ProcessRunner: the user's command as
 * `['/bin/sh', '-c', run]` (a shell only because the user wrote a shell command), the working
 * directory and environment as spawn options (never spliced into a command line), the combined
 * output kept as a bounded tail. Stopping (abort signal) is the runner's: SIGTERM to the task's
 * process group, SIGKILL after the grace, so nothing the task started outlives it.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProcessRunner } from '../../adapters/process.js';
import type { BuildTask } from '../../config/schema.js';
import { taskEnvironment } from './env.js';
import { OutputTail } from './output-tail.js';
import type { TaskExit, TaskRunner } from './scheduler.js';

export interface ProcessTaskRunnerOptions {
  process: ProcessRunner;
  /** Where relative `working-directory` values start: the workspace. */
  workspace: string;
  /** The environment tasks inherit (before our tokens are removed). */
  env: NodeJS.ProcessEnv;
  /** Grace between SIGTERM and SIGKILL when a task is stopped. */
  killGraceMs: number;
  /** Bytes of output kept per task (the tail). */
  maxOutputBytes: number;
}

export function processTaskRunner(options: ProcessTaskRunnerOptions): TaskRunner {
  return {
    async run(task: BuildTask, signal: AbortSignal): Promise<TaskExit> {
      const cwd = resolve(options.workspace, task['working-directory'] ?? '.');
      const problem = await checkDirectory(cwd);
      if (problem) {
        return {
          exitCode: null,
          signal: null,
          output: '',
          error: `working-directory "${task['working-directory']}" ${problem}`,
        };
      }
      const output = new OutputTail(options.maxOutputBytes);
      const push = (chunk: Buffer) => output.push(chunk);
      const outcome = await options.process.run(['/bin/sh', '-c', task.run], {
        cwd,
        env: taskEnvironment(options.env, task.env),
        signal,
        killGraceMs: options.killGraceMs,
        // Our tail holds the output; the runner's own buffers need not hold a second copy.
        maxOutputBytes: 1,
        onStdout: push,
        onStderr: push,
      });
      const { text, droppedBytes } = output.snapshot();
      const succeeded = outcome.exitCode === 0 && !outcome.spawnError && !signal.aborted;
      const missingOutputs = succeeded ? await missing(options.workspace, task.outputs) : [];
      return {
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        output: text,
        ...(droppedBytes > 0 ? { droppedBytes } : {}),
        ...(outcome.spawnError ? { error: `could not start /bin/sh: ${outcome.spawnError.message}` } : {}),
        ...(missingOutputs.length > 0 ? { missingOutputs } : {}),
      };
    },
  };
}

/** `outputs` are paths relative to the workspace, like the cache's paths. */
async function missing(workspace: string, outputs: readonly string[]): Promise<string[]> {
  const absent: string[] = [];
  for (const path of outputs) {
    try {
      await stat(resolve(workspace, path));
    } catch {
      absent.push(path);
    }
  }
  return absent;
}

async function checkDirectory(path: string): Promise<string | undefined> {
  try {
    return (await stat(path)).isDirectory() ? undefined : `is not a directory (${path})`;
  } catch {
    return `does not exist (${path})`;
  }
}
