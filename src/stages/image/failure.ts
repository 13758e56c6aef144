/**
 * Turns a failed `docker buildx build` into one error that names the fix, and says whether a retry
 * can help: registry 5xx and network errors during the push can; a Dockerfile error or a denied
 * push never does.
 */
import { ExitCode, OrchestraError, UnreachableError } from '../../errors.js';
import { type BuildFailure, parseBuildFailure } from './progress.js';
import { isArtifactRegistryHost } from './registry-auth.js';

export type FailureKind = 'dockerfile' | 'denied' | 'registry-5xx' | 'network' | 'other';

export interface ClassifiedFailure {
  kind: FailureKind;
  retryable: boolean;
  failure: BuildFailure;
}

const DENIED =
  /\b(denied|unauthorized|no basic auth credentials|authentication required|401 Unauthorized|403 Forbidden)\b/i;
const SERVER_ERROR =
  /(unexpected (HTTP )?status:? 5\d\d|\b5\d\d (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b)/i;
const NETWORK =
  /(connection refused|i\/o timeout|TLS handshake timeout|connection reset by peer|no such host|unexpected EOF|broken pipe)/i;
const DOCKERFILE =
  /(dockerfile parse error|failed to (read|parse) dockerfile|failed to create LLB definition|unknown instruction)/i;

export function classifyBuildFailure(output: string): ClassifiedFailure {
  const failure = parseBuildFailure(output);
  // An error inside a Dockerfile step (a RUN that curls a 500, a COPY of a missing file) is the
  // Dockerfile's, whatever its text says.
  if (failure.dockerfileStep || DOCKERFILE.test(failure.message))
    return { kind: 'dockerfile', retryable: false, failure };
  if (DENIED.test(failure.message)) return { kind: 'denied', retryable: false, failure };
  if (SERVER_ERROR.test(failure.message)) return { kind: 'registry-5xx', retryable: true, failure };
  if (NETWORK.test(failure.message)) return { kind: 'network', retryable: true, failure };
  return { kind: 'other', retryable: false, failure };
}

export interface FailureContext {
  registry: string;
  dockerfile: string;
  contextDir: string;
  attempts: number;
}

export function buildFailureError(classified: ClassifiedFailure, context: FailureContext): OrchestraError {
  const { failure } = classified;
  const at = failure.step ? ` at "${failure.step}"` : '';
  const attempts = context.attempts > 1 ? ` after ${context.attempts} attempts` : '';
  switch (classified.kind) {
    case 'dockerfile': {
      const line = /line (\d+)/.exec(failure.message)?.[1];
      return new OrchestraError(
        `docker build failed${at}: ${failure.message}`,
        ExitCode.gateFailed,
        `fix ${line ? `line ${line} of ` : failure.step ? 'that step in ' : ''}${context.dockerfile}; reproduce locally with docker buildx build --file ${context.dockerfile} ${context.contextDir}`,
      );
    }
    case 'denied':
      return new OrchestraError(
        `push to ${context.registry} denied: ${failure.message}`,
        ExitCode.gateFailed,
        isArtifactRegistryHost(context.registry)
          ? `give the deploying service account roles/artifactregistry.writer on the repository, and let the image stage log in with the deploy credentials (deploy.workload-identity-provider and deploy.service-account, or google-github-actions/auth before this step)`
          : `log in to ${context.registry} before this step (docker/login-action) with an account that may push to this repository`,
      );
    case 'registry-5xx':
      return new UnreachableError(
        `registry ${context.registry} returned a server error${attempts}: ${failure.message}`,
        'the registry is failing, not the build; re-run later or check the registry status',
      );
    case 'network':
      return new UnreachableError(
        `registry ${context.registry} unreachable${attempts}: ${failure.message}`,
        'check the registry host in image.name and the runner network, then re-run',
      );
    default:
      return new OrchestraError(
        `docker buildx build failed${at}: ${failure.message}`,
        ExitCode.gateFailed,
        'see the build output above',
      );
  }
}
