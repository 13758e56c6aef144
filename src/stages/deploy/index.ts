/**
 * The deploy stage: Cloud Run through WIF (or ADC), or the local target. Keeps what it deployed
 * in memory so a smoke failure can roll traffic back and canary steps can advance, and removes
 * local containers in the post step.
 */

import { describe, GateError } from '../../errors.js';
import { CloudRunClient } from '../../gcp/cloud-run.js';
import { createCredentials } from '../../gcp/credentials.js';
import { googleEndpoints } from '../../gcp/endpoints.js';
import type { Logger } from '../../logger.js';
import type { PerfResult } from '../../result.js';
import type { Stage, StageDeps } from '../stage.js';
import {
  advanceCanary,
  type CloudRunDeployment,
  deployCloudRun,
  rollbackCloudRun,
} from './cloud-run-target.js';
import { type LocalTarget, removeContainer, startLocalTarget } from './local-target.js';
import { type CloudRunPlan, type DeployPlan, planDeploy } from './plan.js';
import './google-token.js';

export const LOCAL_CONTAINER_STATE = 'deploy-local-container';

export interface DeployStage extends Stage<DeployPlan> {
  /** The Cloud Run deployment of this run, if any (for the pipeline's canary gating). */
  deployment(): CloudRunDeployment | undefined;
  /** Walks the remaining canary steps, asking `gate` before each; false after a rollback. */
  advanceCanary(gate: (percent: number) => Promise<boolean>, logger: Logger): Promise<boolean>;
}

export async function cloudRunClientFor(
  plan: Pick<CloudRunPlan, 'credentials' | 'universeDomain'>,
  deps: Pick<StageDeps, 'env' | 'logger' | 'clock' | 'signal' | 'services'>,
  repository?: string,
): Promise<CloudRunClient> {
  const endpoints = googleEndpoints(plan.universeDomain, deps.env);
  const accessToken =
    deps.services.googleAccessToken ??
    (
      await createCredentials(plan.credentials, {
        env: deps.env,
        logger: deps.logger,
        clock: deps.clock,
        signal: deps.signal,
        endpoints,
        context: { repository },
      })
    ).accessToken;
  return new CloudRunClient({
    baseUrl: endpoints.cloudRunUrl,
    accessToken,
    clock: deps.clock,
    signal: deps.signal,
  });
}

export function createDeployStage(): DeployStage {
  let deployment: CloudRunDeployment | undefined;
  let local: LocalTarget | undefined;
  return {
    name: 'deploy',
    policy: 'required',
    plan: planDeploy,
    async execute(plan, result, deps) {
      if (plan.target === 'local') {
        local = await startLocalTarget(plan, {
          process: deps.process,
          logger: deps.logger,
          clock: deps.clock,
          env: deps.env,
          signal: deps.signal,
        });
        if (local.handle.startsWith('docker:'))
          deps.state.save(LOCAL_CONTAINER_STATE, local.handle.slice('docker:'.length));
        result.deploy = {
          target: 'local',
          url: local.url,
          revision: local.handle.startsWith('docker:') ? local.handle.slice(7, 19) : 'local-process',
          readyMs: local.readyMs,
        };
        return;
      }
      const client = await cloudRunClientFor(plan, deps, plan.repository);
      const outcome = await deployCloudRun(plan, { client, logger: deps.logger, clock: deps.clock });
      deployment = outcome.deployment;
      result.deploy = outcome.result;
    },
    async onDownstreamFailure(failed, result: PerfResult, deps) {
      if (failed !== 'smoke' || !deployment) return;
      // A preview never took traffic: nothing to return.
      if (
        deployment.plan.mode === 'preview' ||
        deployment.plan.traffic === 'none' ||
        deployment.percent === 0
      )
        return;
      if (await rollbackCloudRun(deployment, deps.logger)) {
        if (result.deploy) result.deploy.rolledBack = true;
      }
    },
    async onDownstreamSuccess(succeeded, result: PerfResult, deps, repeat) {
      if (succeeded !== 'smoke' || !deployment || typeof deployment.plan.traffic !== 'object') return;
      // Each further canary step needs the smoke gate to pass again at the current share.
      const gate = async (percent: number) => {
        deps.logger.info(`Canary: smoke gate at ${percent}% of traffic`);
        try {
          await repeat();
          return true;
        } catch (error) {
          deps.logger.warning(`Canary: the smoke gate failed at ${percent}%: ${describe(error)}`);
          return false;
        }
      };
      if (!(await advanceCanary(deployment, gate, deps.logger))) {
        if (result.deploy) result.deploy.rolledBack = true;
        throw new GateError(
          `canary of ${deployment.revision} failed its smoke gate at ${deployment.percent}%; traffic is back on the previous revision`,
          'see the smoke results in the job summary',
        );
      }
    },
    async post(deps) {
      if (local) {
        await local.stop();
        local = undefined;
        return;
      }
      const container = deps.state.get(LOCAL_CONTAINER_STATE);
      if (container) await removeContainer(deps.process, container);
    },
    deployment: () => deployment,
    async advanceCanary(gate, logger) {
      if (!deployment) return true;
      return advanceCanary(deployment, gate, logger);
    },
  };
}

export const deployStage: DeployStage = createDeployStage();
