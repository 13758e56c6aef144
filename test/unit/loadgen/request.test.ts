import { describe, expect, it } from 'vitest';
import { pathCycle, prepareRequests } from '../../../src/loadgen/request.js';
import { shardCycle } from '../../../src/loadgen/run.js';

describe('prepareRequests', () => {
  const url = new URL('http://127.0.0.1:8080/base?q=1');

  it('serialises each path once, with Host, headers and a body', () => {
    const [post, head] = prepareRequests(url, {
      method: 'POST',
      headers: { 'X-Api-Key': 'k', Host: 'api.example' },
      body: Buffer.from('{"a":1}'),
      paths: [
        { path: '/items', weight: 1 },
        { path: '/health', weight: 1, method: 'HEAD' },
      ],
    });
    expect(post!.bytes.toString()).toBe(
      'POST /items HTTP/1.1\r\nHost: api.example\r\nUser-Agent: orchestra-perf\r\nAccept: */*\r\nX-Api-Key: k\r\nContent-Length: 7\r\n\r\n{"a":1}',
    );
    expect(post!.noBody).toBe(false);
    expect(head!.bytes.toString()).toMatch(/^HEAD \/health HTTP\/1.1\r\n/);
    expect(head!.bytes.toString()).not.toMatch(/Content-Length/);
    expect(head!.noBody).toBe(true);
  });

  it('uses the URL path when no paths are given, and the --host override', () => {
    const [only] = prepareRequests(url, { method: 'GET', headers: {}, host: 'h.example', paths: [] });
    expect(only!.bytes.toString()).toMatch(/^GET \/base\?q=1 HTTP\/1.1\r\nHost: h.example\r\n/);
  });

  it('rejects header values and paths that would split the request', () => {
    expect(() =>
      prepareRequests(url, { method: 'GET', headers: { 'X-A': 'a\r\nX-Evil: 1' }, paths: [] }),
    ).toThrow(/line break/);
    expect(() =>
      prepareRequests(url, { method: 'GET', headers: {}, paths: [{ path: '/a b', weight: 1 }] }),
    ).toThrow(/not a request path/);
    expect(() =>
      prepareRequests(url, { method: 'GET', headers: { 'Content-Length': '5' }, paths: [] }),
    ).toThrow(/set by the load generator/);
    expect(() => prepareRequests(url, { method: 'GET', headers: {}, host: 'a\nb', paths: [] })).toThrow(
      /line break/,
    );
  });
});

describe('pathCycle', () => {
  const count = (cycle: Uint16Array, index: number) => cycle.filter((v) => v === index).length;

  it('honours integer weights exactly and interleaves them', () => {
    const cycle = pathCycle([1, 3]);
    expect([...cycle]).toHaveLength(4);
    expect(count(cycle, 0)).toBe(1);
    expect(count(cycle, 1)).toBe(3);
    expect([...pathCycle([1, 1])]).toEqual([0, 1]);
  });

  it('approximates fractional weights', () => {
    const cycle = pathCycle([1.5, 1]);
    expect(count(cycle, 0) / cycle.length).toBeCloseTo(0.6, 2);
  });

  it('splits across shards so the union is the unsharded order', () => {
    const cycle = pathCycle([2, 3, 5]);
    const shards = [1, 2, 3].map((index) => shardCycle(cycle, { index, count: 3 }));
    // Global request k goes to shard k % 3 as its (k / 3)th request.
    for (let k = 0; k < 60; k++) {
      const shard = shards[k % 3]!;
      const local = Math.floor(k / 3);
      expect(shard[local % shard.length]).toBe(cycle[k % cycle.length]);
    }
  });
});
