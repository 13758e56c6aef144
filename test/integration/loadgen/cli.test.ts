/**
 * `orchestra-perf smoke` and `merge` as a user runs them (through the CLI dispatcher), against a
 * real server on 127.0.0.1: exit codes 0/1/2/3, the table on stdout, the result file on disk.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import { ConsoleLogger } from '../../../src/logger.js';
import type { PerfResult } from '../../../src/result.js';
import { decodeHistogram, encodeHistogram, mergeHistograms } from '../../../src/stats/hdr.js';
import { type HttpTarget, startHttpTarget } from '../../fakes/http-target/server.js';
import { freePort } from '../../helpers/ports.js';

let target: HttpTarget;
let dir: string;

beforeAll(async () => {
  target = await startHttpTarget();
  dir = await mkdtemp(join(tmpdir(), 'loadgen-cli-'));
});
afterAll(async () => {
  await target.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; log: string }> {
  const out: string[] = [];
  const log: string[] = [];
  const code = await runCli(args, {
    out: (text) => out.push(text),
    logger: new ConsoleLogger((line) => log.push(line), false),
    cwd: dir,
  });
  return { code, out: out.join('\n'), log: log.join('\n') };
}

const readResult = async (name: string) => JSON.parse(await readFile(join(dir, name), 'utf8')) as PerfResult;

describe('orchestra-perf smoke', () => {
  it('exits 3 on a dead target, naming the URL and the error', async () => {
    const port = await freePort();
    const { code, log } = await cli([
      'smoke',
      '--url',
      `http://127.0.0.1:${port}/`,
      '--rate',
      '10',
      '--duration',
      '1s',
    ]);
    expect(code).toBe(3);
    expect(log).toContain(`cannot reach http://127.0.0.1:${port}/`);
    expect(log).toContain('ECONNREFUSED');
  });

  it('exits 0 when thresholds pass, prints a table and writes the result file', async () => {
    const { code, out } = await cli([
      'smoke',
      '--url',
      target.url,
      '--rate',
      '50',
      '--duration',
      '1s',
      '--warmup',
      '200ms',
      '--path',
      '/ok:3',
      '--path',
      '/status?code=404:1',
      '--threshold',
      'p99<10s',
      '--threshold',
      'error-rate<50%',
      '--header',
      'X-Test: 1',
      '--out',
      'pass.json',
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/requests\s+50/);
    expect(out).toMatch(/threshold\s+p99<10s/);
    const result = await readResult('pass.json');
    expect(result.schemaVersion).toBe(1);
    expect(result.meta.tool).toBe('orchestra-perf');
    const smoke = result.smoke!;
    expect(smoke).toMatchObject({ model: 'open', rate: 50, requests: 50 });
    // Weights 3:1 over 50 requests (where in the 4-step cycle the measured window starts decides 12 or 13).
    expect(smoke.errors).toBe(smoke.statusCodes['404']);
    expect(smoke.statusCodes['200']! + smoke.statusCodes['404']!).toBe(50);
    expect([12, 13]).toContain(smoke.errors);
    expect(Object.keys(smoke).sort()).toEqual(
      expect.arrayContaining([
        'url',
        'model',
        'rate',
        'durationS',
        'requests',
        'errors',
        'errorRate',
        'rps',
        'coldStartMs',
        'latencyMs',
        'statusCodes',
        'histogram',
        'thresholds',
      ]),
    );
    expect(smoke.thresholds.every((t) => t.pass)).toBe(true);
    expect(decodeHistogram(smoke.histogram).totalCount).toBe(50);
  });

  it('exits 1 when a threshold fails, after writing the result', async () => {
    const { code, log } = await cli([
      'smoke',
      '--url',
      target.url,
      '--connections',
      '2',
      '--duration',
      '500ms',
      '--warmup',
      '0s',
      '--threshold',
      'rps>=10000000',
      '--out',
      'fail.json',
    ]);
    expect(code).toBe(1);
    expect(log).toMatch(/thresholds failed: rps>=10000000/);
    const smoke = (await readResult('fail.json')).smoke!;
    expect(smoke.model).toBe('closed');
    expect(smoke.thresholds).toEqual([{ expr: 'rps>=10000000', actual: smoke.rps, pass: false }]);
  });

  it('--baseline-url measures both targets on one schedule into smoke and smoke.baseline', async () => {
    const base = await startHttpTarget({ latencyMs: 5 });
    try {
      const { code, out } = await cli([
        'smoke',
        '--url',
        target.url,
        '--baseline-url',
        base.url,
        '--rate',
        '20',
        '--duration',
        '500ms',
        '--warmup',
        '0s',
        '--threshold',
        'error-rate<1%',
        '--out',
        'paired.json',
      ]);
      expect(code).toBe(0);
      expect(out).toMatch(/^baseline: /m);
      const smoke = (await readResult('paired.json')).smoke!;
      expect(smoke.requests).toBe(10);
      expect(smoke.baseline?.requests).toBe(10);
      expect(smoke.baseline?.url).toBe(`${base.url}/`);
      expect(smoke.baseline?.latencyMs.p50).toBeGreaterThanOrEqual(5);
      expect(smoke.thresholds).toHaveLength(1);
      expect(smoke.baseline?.thresholds).toEqual([]);
    } finally {
      await base.stop();
    }
  });

  it('keeps credentials out of logs and the result file', async () => {
    const secretUrl = target.url.replace('http://', 'http://user:hunter2-secret@');
    const { code, log, out } = await cli([
      'smoke',
      '--url',
      secretUrl,
      '--rate',
      '20',
      '--duration',
      '300ms',
      '--warmup',
      '0s',
      '--header',
      'Authorization: Bearer sekrit-token-value',
      '--out',
      'secret.json',
    ]);
    expect(code).toBe(0);
    const file = await readFile(join(dir, 'secret.json'), 'utf8');
    for (const text of [log, out, file]) {
      expect(text).not.toContain('hunter2-secret');
      expect(text).not.toContain('sekrit-token-value');
    }
    expect(JSON.parse(file).smoke.url).toBe(`${target.url}/`);
    expect(target.counts.get('/')).toBeGreaterThan(0);
  });

  it('exits 2 on usage and config errors, with the flag named', async () => {
    const both = await cli(['smoke', '--url', target.url, '--rate', '5', '--connections', '2']);
    expect(both.code).toBe(2);
    const badRate = await cli(['smoke', '--url', target.url, '--rate', 'fast']);
    expect(badRate.code).toBe(2);
    expect(badRate.log).toMatch(/--rate/);
    const badThreshold = await cli(['smoke', '--url', target.url, '--rate', '5', '--threshold', 'p95<<3']);
    expect(badThreshold.code).toBe(2);
    expect(badThreshold.log).toMatch(/--threshold/);
    const overCap = await cli(['smoke', '--url', target.url, '--rate', '20000']);
    expect(overCap.code).toBe(2);
    expect(overCap.log).toMatch(/max-rate/);
    const tooLong = await cli(['smoke', '--url', target.url, '--rate', '5', '--duration', '10m']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.log).toMatch(/max-duration/);
    const noUrl = await cli(['smoke', '--rate', '5']);
    expect(noUrl.code).toBe(2);
    const badShard = await cli(['smoke', '--url', target.url, '--rate', '5', '--shard', '3/2']);
    expect(badShard.code).toBe(2);
    const badHeader = await cli(['smoke', '--url', target.url, '--rate', '5', '--header', 'novalue']);
    expect(badHeader.code).toBe(2);
  });

  it('merges shard files losslessly; merge rejects files that are not results', async () => {
    const shard = (index: number) =>
      cli([
        'smoke',
        '--url',
        target.url,
        '--rate',
        '60',
        '--duration',
        '1s',
        '--warmup',
        '0s',
        '--shard',
        `${index}/2`,
        '--threshold',
        'error-rate<1%',
        '--out',
        `shard${index}.json`,
      ]);
    const [one, two] = await Promise.all([shard(1), shard(2)]);
    expect([one.code, two.code]).toEqual([0, 0]);
    const a = (await readResult('shard1.json')).smoke!;
    const b = (await readResult('shard2.json')).smoke!;
    expect(a.shard).toBe('1/2');
    expect(a.rate).toBe(30);

    const merged = await cli(['merge', 'shard1.json', 'shard2.json', '--out', 'merged.json']);
    expect(merged.code).toBe(0);
    const smoke = (await readResult('merged.json')).smoke!;
    expect(smoke.requests).toBe(a.requests + b.requests);
    expect(smoke.requests).toBe(60);
    expect(smoke.rate).toBe(60);
    expect(smoke.histogram).toBe(
      encodeHistogram(mergeHistograms([decodeHistogram(a.histogram), decodeHistogram(b.histogram)])),
    );
    expect(smoke.thresholds).toEqual([{ expr: 'error-rate<1%', actual: 0, pass: true }]);

    await writeFile(
      join(dir, 'junk.json'),
      JSON.stringify({ schemaVersion: 1, smoke: { model: 'open', requests: 'many' } }),
    );
    const junk = await cli(['merge', 'shard1.json', 'junk.json']);
    expect(junk.code).toBe(2);
    expect(junk.log).toMatch(/junk.json: smoke.requests must be a number/);
  });
});
