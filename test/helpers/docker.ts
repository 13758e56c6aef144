/**
 * Gate for tests that need a Docker engine. Without one they skip with a visible reason, except
 * under CI=true, where .ci/run has started the engine and a skip would hide a failure.
 */
import { execFileSync } from 'node:child_process';
import { describe } from 'vitest';

export function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 10_000 });
    execFileSync('docker', ['buildx', 'version'], { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const available = dockerAvailable();
const requiredByCi = process.env.CI === 'true';
if (!available && !requiredByCi) {
  console.warn(
    '[skip] Docker tests skipped: no Docker engine with buildx is running (start one with `bash .ci/setup-infra.sh`).',
  );
}

/** `describe` for Docker tests: runs when an engine runs or CI demands it (and then fails loudly). */
export const describeDocker: typeof describe =
  available || requiredByCi ? describe : (describe.skip as typeof describe);

export const LOCAL_REGISTRY = '127.0.0.1:5000';
export const LOCAL_AUTH_REGISTRY = '127.0.0.1:5001';
export const LOCAL_AUTH_USER = 'oauth2accesstoken';
export const LOCAL_AUTH_PASSWORD = 'test-access-token';
export const LOCAL_NODE_BASE = 'orchestra-perf/node-base:24';
