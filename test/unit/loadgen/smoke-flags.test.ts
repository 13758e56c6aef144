import { describe, expect, it } from 'vitest';
import { parseShard, smokeOverrides } from '../../../src/cli/commands/smoke.js';
import { resolveConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

type Values = Parameters<typeof smokeOverrides>[0];

describe('smoke flags as config overrides', () => {
  it('maps each flag to its smoke.* key, named by the flag', () => {
    const overrides = smokeOverrides({
      url: 'http://127.0.0.1:8080',
      rate: '50',
      duration: '10s',
      path: ['/health', '/api/items:3'],
      threshold: ['p95<300ms'],
      header: ['X-A: 1', 'Authorization: Bearer t'],
      'max-requests': '1000',
      insecure: true,
    } as Values);
    const config = resolveConfig({ overrides });
    expect(config.smoke).toMatchObject({
      url: 'http://127.0.0.1:8080',
      rate: 50,
      connections: undefined,
      duration: 10_000,
      paths: [
        { path: '/health', weight: 1 },
        { path: '/api/items', weight: 3 },
      ],
      headers: { 'X-A': '1', Authorization: 'Bearer t' },
      'max-requests': 1000,
      insecure: true,
    });
    expect(config.smoke.thresholds.map((t) => t.expr)).toEqual(['p95<300ms']);
  });

  it('a model chosen by flag replaces the file model instead of conflicting with it', () => {
    const file = { path: 'orchestra-perf.yml', text: 'smoke:\n  connections: 8\n' };
    const config = resolveConfig({ file, overrides: smokeOverrides({ rate: '20' } as Values) });
    expect(config.smoke.rate).toBe(20);
    expect(config.smoke.connections).toBeUndefined();
  });

  it('reports bad values against the flag', () => {
    try {
      resolveConfig({ overrides: smokeOverrides({ connections: 'many', duration: 'soon' } as Values) });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const fields = (error as ConfigError).issues.map((issue) => issue.field);
      expect(fields).toEqual(expect.arrayContaining(['--connections', '--duration']));
    }
  });

  it('parses --shard i/N', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(/--shard/);
  });
});
