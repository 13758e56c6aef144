/** Traffic arithmetic: previews pin the serving split, canaries sum to 100, rollbacks restore. */
import { describe, expect, it } from 'vitest';
import type { Service } from '../../../src/gcp/cloud-run-types.js';
import {
  canaryTraffic,
  previewTraffic,
  rollbackTraffic,
  rolloutTraffic,
  servingSplit,
  withoutTag,
} from '../../../src/stages/deploy/traffic.js';

const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' as const;
const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION' as const;

const serving: Service = {
  name: 's',
  template: { containers: [{ image: 'i' }] },
  latestReadyRevision: 'projects/p/locations/l/services/s/revisions/s-2',
  traffic: [
    { type: LATEST, percent: 100 },
    { type: REVISION, revision: 's-1', tag: 'pr-3' },
  ],
  trafficStatuses: [
    { type: LATEST, revision: 's-2', percent: 100 },
    { type: REVISION, revision: 's-1', tag: 'pr-3', uri: 'https://pr-3---s' },
  ],
};

describe('traffic', () => {
  it('reads the serving split with LATEST resolved', () => {
    expect(servingSplit(serving)).toEqual([{ revision: 's-2', percent: 100 }]);
  });

  it('a preview pins the serving split to explicit revisions, keeps other previews, tags base', () => {
    expect(previewTraffic(serving, 's-3', 'pr-4')).toEqual([
      { type: REVISION, revision: 's-2', percent: 100 },
      { type: REVISION, revision: 's-1', tag: 'pr-3' },
      { type: REVISION, revision: 's-2', tag: 'base' },
      { type: REVISION, revision: 's-3', tag: 'pr-4' },
    ]);
  });

  it('a preview of the same PR replaces its previous tag', () => {
    const traffic = previewTraffic(serving, 's-3', 'pr-3');
    expect(traffic.filter((target) => target.tag === 'pr-3')).toEqual([
      { type: REVISION, revision: 's-3', tag: 'pr-3' },
    ]);
  });

  it('the first deploy of a service serves (there is nothing to protect)', () => {
    expect(previewTraffic(undefined, 's-1', 'pr-1')).toEqual([
      { type: LATEST, percent: 100 },
      { type: REVISION, revision: 's-1', tag: 'pr-1' },
    ]);
  });

  it('a rollout sends everything to LATEST and keeps preview tags', () => {
    expect(rolloutTraffic(serving)).toEqual([
      { type: LATEST, percent: 100 },
      { type: REVISION, revision: 's-1', tag: 'pr-3' },
    ]);
  });

  it('canary steps scale the previous split and always sum to 100', () => {
    const previous = [
      { revision: 'a', percent: 67 },
      { revision: 'b', percent: 33 },
    ];
    for (const step of [1, 10, 33, 50, 99]) {
      const traffic = canaryTraffic(previous, 'new', step);
      expect(traffic.reduce((sum, target) => sum + (target.percent ?? 0), 0)).toBe(100);
      expect(traffic[0]).toEqual({ type: REVISION, revision: 'new', percent: step });
    }
    expect(canaryTraffic(previous, 'new', 100)).toEqual([{ type: REVISION, revision: 'new', percent: 100 }]);
  });

  it('a rollback restores the previous split and keeps tags', () => {
    expect(rollbackTraffic(serving, [{ revision: 's-1', percent: 100 }])).toEqual([
      { type: REVISION, revision: 's-1', percent: 100 },
      { type: REVISION, revision: 's-1', tag: 'pr-3' },
    ]);
  });

  it('removing a tag keeps any traffic the entry carried', () => {
    const service: Service = {
      ...serving,
      traffic: [
        { type: REVISION, revision: 's-2', percent: 100, tag: 'pr-9' },
        { type: REVISION, revision: 's-1', tag: 'pr-3' },
      ],
    };
    expect(withoutTag(service, 'pr-9')).toEqual([
      { type: REVISION, revision: 's-2', percent: 100 },
      { type: REVISION, revision: 's-1', tag: 'pr-3' },
    ]);
    expect(withoutTag(service, 'pr-3')).toEqual([
      { type: REVISION, revision: 's-2', percent: 100, tag: 'pr-9' },
    ]);
  });
});
