import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExitCode, UnreachableError } from '../../../src/errors.js';
import { buildFailureError, classifyBuildFailure } from '../../../src/stages/image/failure.js';
import { parseBuildFailure, parseBuildSteps } from '../../../src/stages/image/progress.js';

/** Recorded `docker buildx build --progress=plain` outputs from buildx 0.13 on dockerd 20.10. */
const output = (name: string) => readFileSync(`test/fixtures/image/buildx-output/${name}.txt`, 'utf8');
const context = {
  registry: '127.0.0.1:5000',
  dockerfile: '/ctx/Dockerfile',
  contextDir: '/ctx',
  attempts: 1,
};

describe('cached steps', () => {
  it('counts Dockerfile steps without FROM, all cached on a rebuild', () => {
    expect(parseBuildSteps(output('cached-rebuild'))).toEqual({
      totalSteps: 2,
      cachedSteps: 2,
      steps: [
        { name: '[2/3] COPY greeting.txt /greeting.txt', cached: true },
        { name: '[3/3] COPY app.js /app/app.js', cached: true },
      ],
    });
  });

  it('reads named stages and a partial hit', () => {
    const steps = parseBuildSteps(output('partial-cache'));
    expect(steps.totalSteps).toBe(2);
    expect(steps.cachedSteps).toBe(1);
    expect(steps.steps.find((step) => step.cached)?.name).toBe('[base 2/2] COPY greeting.txt /greeting.txt');
  });

  it('counts each platform of a multi-platform build', () => {
    const text = [
      '#5 [base linux/amd64 1/2] FROM docker.io/library/node:24-slim',
      '#6 [base linux/amd64 2/2] COPY a /a',
      '#6 CACHED',
      '#7 [linux/arm64 2/2] COPY b /b',
      '#7 DONE 0.2s',
    ].join('\n');
    expect(parseBuildSteps(text)).toMatchObject({ totalSteps: 2, cachedSteps: 1 });
  });

  it('reports nothing for output without steps', () => {
    expect(parseBuildSteps('random text\n#1 [internal] load .dockerignore\n#1 DONE 0.0s')).toEqual({
      totalSteps: 0,
      cachedSteps: 0,
      steps: [],
    });
  });
});

describe('build failures', () => {
  it('a failing COPY: the step and its message, not the warning of a missing cache import', () => {
    expect(parseBuildFailure(output('copy-missing'))).toEqual({
      step: '[2/2] COPY missing.txt /m',
      message: '"/missing.txt" not found: not found',
      dockerfileStep: true,
    });
    const classified = classifyBuildFailure(output('copy-missing'));
    expect(classified).toMatchObject({ kind: 'dockerfile', retryable: false });
    const error = buildFailureError(classified, context);
    expect(error.oneLine()).toBe(
      'docker build failed at "[2/2] COPY missing.txt /m": "/missing.txt" not found: not found. Fix: fix that step in /ctx/Dockerfile; reproduce locally with docker buildx build --file /ctx/Dockerfile /ctx',
    );
  });

  it('a Dockerfile parse error names the line', () => {
    const classified = classifyBuildFailure(output('parse-error'));
    expect(classified.kind).toBe('dockerfile');
    expect(classified.failure.step).toBeUndefined();
    expect(buildFailureError(classified, context).oneLine()).toMatch(
      /unknown instruction: FOO\. Fix: fix line 2 of \/ctx\/Dockerfile/,
    );
  });

  it('a registry 5xx during the push is retryable and unreachable (exit 3)', () => {
    const classified = classifyBuildFailure(output('push-500'));
    expect(classified).toMatchObject({ kind: 'registry-5xx', retryable: true });
    expect(classified.failure.step).toMatch(/^pushing 127\.0\.0\.1:5073\/trial\/app:x/);
    const error = buildFailureError(classified, { ...context, attempts: 3 });
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error.exitCode).toBe(ExitCode.unreachable);
    expect(error.message).toMatch(/server error after 3 attempts: received unexpected HTTP status: 500/);
  });

  it('a denied push and a push without credentials are never retried', () => {
    for (const name of ['push-denied', 'push-no-credentials']) {
      const classified = classifyBuildFailure(output(name));
      expect(classified).toMatchObject({ kind: 'denied', retryable: false });
    }
    expect(buildFailureError(classifyBuildFailure(output('push-denied')), context).oneLine()).toMatch(
      /push to 127\.0\.0\.1:5000 denied: denied\. Fix: log in to 127\.0\.0\.1:5000/,
    );
    expect(
      buildFailureError(classifyBuildFailure(output('push-denied')), {
        ...context,
        registry: 'us-docker.pkg.dev',
      }).oneLine(),
    ).toMatch(/roles\/artifactregistry\.writer/);
  });

  it('a refused connection is a retryable network error', () => {
    expect(classifyBuildFailure(output('push-connection-refused'))).toMatchObject({
      kind: 'network',
      retryable: true,
    });
  });

  it('an error inside a RUN step stays a Dockerfile error even when its text looks like a registry 500', () => {
    const text =
      '#7 [2/3] RUN curl -f https://x/\n#7 ERROR: process returned 22: The requested URL returned error: 500 Internal Server Error\nERROR: failed to solve: process "/bin/sh -c curl" did not complete successfully: exit code: 22\n';
    expect(classifyBuildFailure(text)).toMatchObject({ kind: 'dockerfile', retryable: false });
  });
});
