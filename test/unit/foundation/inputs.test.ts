import { describe, expect, it } from 'vitest';
import {
  convertInput,
  overridesFromInputs,
  parsePathSpec,
  parseTraffic,
} from '../../../src/config/inputs.js';
import { resolveConfig } from '../../../src/config/load.js';

describe('action inputs to config', () => {
  it('converts each kind of input', () => {
    expect(convertInput('x', 'boolean', 'TRUE')).toBe(true);
    expect(convertInput('x', 'integer', '8')).toBe(8);
    expect(convertInput('x', 'list', 'p95<300ms, error-rate<1%')).toEqual(['p95<300ms', 'error-rate<1%']);
    expect(convertInput('x', 'lines', 'id=npm,env=NPM_TOKEN\nid=pip,src=pip.conf')).toEqual([
      'id=npm,env=NPM_TOKEN',
      'id=pip,src=pip.conf',
    ]);
    expect(convertInput('x', 'map', 'NODE_ENV=production\nGREETING = a=b')).toEqual({
      NODE_ENV: 'production',
      GREETING: 'a=b',
    });
    expect(convertInput('x', 'tasks', 'lint: npm run lint\nunit: npm test -- --run')).toEqual([
      { name: 'lint', run: 'npm run lint' },
      { name: 'unit', run: 'npm test -- --run' },
    ]);
    expect(parsePathSpec('/api/items:3')).toEqual({ path: '/api/items', weight: 3 });
    expect(parseTraffic('canary:10,50,100')).toEqual({ canary: [10, 50, 100] });
  });

  it('rejects malformed values with the input name and the fix', () => {
    expect(() => convertInput('smoke-insecure', 'boolean', 'maybe')).toThrow(
      /input smoke-insecure: "maybe" is not a boolean/,
    );
    expect(() => convertInput('build-concurrency', 'integer', '2.5')).toThrow(/not a whole number/);
    expect(() => convertInput('build-tasks', 'tasks', 'just a command')).toThrow(/"name: command"/);
  });

  it('ignores empty inputs so the file keeps precedence, and validates the rest through the schema', () => {
    const inputs: Record<string, string> = {
      'smoke-rate': '25',
      'smoke-duration': '',
      'smoke-paths': '/health:1,/api/items:3',
    };
    const overrides = overridesFromInputs((name) => inputs[name] ?? '');
    expect(overrides.map((override) => override.source)).toEqual(['input smoke-rate', 'input smoke-paths']);
    const config = resolveConfig({ file: { path: 'f.yml', text: 'smoke: { duration: 7s }' }, overrides });
    expect(config.smoke).toMatchObject({
      rate: 25,
      duration: 7000,
      paths: [
        { path: '/health', weight: 1 },
        { path: '/api/items', weight: 3 },
      ],
    });
  });
});
