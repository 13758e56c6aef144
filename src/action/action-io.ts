/**
 * What the action reads from and writes to the runner, behind one interface so the orchestrators
 * can be driven by the real runner files (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY).
 */
import * as core from '@actions/core';
import type { StateStore } from '../stages/stage.js';

export interface ActionIO extends StateStore {
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  appendSummary(markdown: string): Promise<void>;
  setFailed(message: string): void;
}

export const runnerIO: ActionIO = {
  getInput: (name) => core.getInput(name),
  setOutput: (name, value) => core.setOutput(name, value),
  save: (key, value) => core.saveState(key, value),
  get: (key) => core.getState(key),
  appendSummary: async (markdown) => {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(markdown, true).write();
  },
  setFailed: (message) => core.setFailed(message),
};
