import { describe, expect, it } from 'vitest';
import { githubApiFromEnv } from '../../../src/github/service.js';
import { ConsoleLogger } from '../../../src/logger.js';

describe('githubApiFromEnv', () => {
  it('builds the service from the action input or GITHUB_TOKEN, and masks the token', () => {
    const lines: string[] = [];
    const logger = new ConsoleLogger((line) => lines.push(line));
    const api = githubApiFromEnv(
      { 'INPUT_GITHUB-TOKEN': 'ghs_secret_value', GITHUB_REPOSITORY: 'acme/api' },
      logger,
    );
    expect(api?.repository).toBe('acme/api');
    logger.info('token ghs_secret_value');
    expect(lines).toEqual(['token ***']);
    expect(githubApiFromEnv({ GITHUB_TOKEN: 't0ken', GITHUB_REPOSITORY: 'acme/api' }, logger)).toBeDefined();
  });

  it('no token or no repository: no service', () => {
    const logger = new ConsoleLogger(() => {});
    expect(githubApiFromEnv({ GITHUB_REPOSITORY: 'acme/api' }, logger)).toBeUndefined();
    expect(githubApiFromEnv({ GITHUB_TOKEN: 't0ken' }, logger)).toBeUndefined();
    expect(
      githubApiFromEnv({ GITHUB_TOKEN: 't0ken', GITHUB_REPOSITORY: 'not a repo' }, logger),
    ).toBeUndefined();
  });
});
