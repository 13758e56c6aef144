/**
 * Pure traffic arithmetic for Cloud Run: previews that leave the serving split untouched, full
 * rollouts, canary steps and rollbacks. Inputs and outputs are the API's TrafficTarget values.
 */
import type { Service, TrafficTarget } from '../../gcp/cloud-run-types.js';

const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';

export const BASE_TAG = 'base';
export const previewTag = (pr: number): string => `pr-${pr}`;

/** A revision and its share of traffic, with LATEST already resolved to a concrete revision. */
export interface Split {
  revision: string;
  percent: number;
}

/** The serving split as it is now (from trafficStatuses, where LATEST is already resolved). */
export function servingSplit(service: Service | undefined): Split[] {
  const splits = new Map<string, number>();
  for (const status of service?.trafficStatuses ?? []) {
    const revision = status.revision || lastSegment(service?.latestReadyRevision);
    if (!revision || !status.percent) continue;
    splits.set(revision, (splits.get(revision) ?? 0) + status.percent);
  }
  return [...splits]
    .map(([revision, percent]) => ({ revision, percent }))
    .sort((a, b) => b.percent - a.percent || a.revision.localeCompare(b.revision));
}

/** Tagged entries that carry no traffic (previews, base), kept across deploys unless replaced. */
function tagOnlyEntries(service: Service | undefined, drop: readonly string[]): TrafficTarget[] {
  const out: TrafficTarget[] = [];
  for (const status of service?.trafficStatuses ?? []) {
    if (!status.tag || drop.includes(status.tag)) continue;
    const revision = status.revision || lastSegment(service?.latestReadyRevision);
    if (!revision) continue;
    out.push({ type: REVISION, revision, tag: status.tag });
  }
  return out;
}

function splitEntries(split: readonly Split[]): TrafficTarget[] {
  return split.map(({ revision, percent }) => ({ type: REVISION, revision, percent }));
}

/**
 * A preview: the new revision gets a tag and 0%, the serving split is pinned to explicit revisions
 * (so LATEST cannot silently move to the preview), and the serving revision is tagged `base`.
 * On a service that does not exist yet there is nothing to protect: the revision serves.
 */
export function previewTraffic(
  existing: Service | undefined,
  newRevision: string,
  tag: string,
): TrafficTarget[] {
  const split = servingSplit(existing);
  if (split.length === 0)
    return [
      { type: LATEST, percent: 100 },
      { type: REVISION, revision: newRevision, tag },
    ];
  const serving = split[0]!.revision;
  return [
    ...splitEntries(split),
    ...tagOnlyEntries(existing, [tag, BASE_TAG]),
    { type: REVISION, revision: serving, tag: BASE_TAG },
    { type: REVISION, revision: newRevision, tag },
  ];
}

/** Everything to the new revision (through LATEST, as a plain deploy does); preview tags kept. */
export function rolloutTraffic(existing: Service | undefined): TrafficTarget[] {
  return [{ type: LATEST, percent: 100 }, ...tagOnlyEntries(existing, [BASE_TAG])];
}

/**
 * `percent` to the new revision, the rest of the previous split scaled down proportionally
 * (largest-remainder rounding so the total is exactly 100).
 */
export function canaryTraffic(
  previous: readonly Split[],
  newRevision: string,
  percent: number,
  tags: TrafficTarget[] = [],
): TrafficTarget[] {
  if (percent >= 100 || previous.length === 0)
    return [{ type: REVISION, revision: newRevision, percent: 100 }, ...tags];
  const rest = 100 - percent;
  const total = previous.reduce((sum, entry) => sum + entry.percent, 0);
  const raw = previous.map((entry) => ({ revision: entry.revision, exact: (entry.percent / total) * rest }));
  const floored = raw.map((entry) => ({
    revision: entry.revision,
    percent: Math.floor(entry.exact),
    remainder: entry.exact % 1,
  }));
  let missing = rest - floored.reduce((sum, entry) => sum + entry.percent, 0);
  for (const entry of [...floored].sort((a, b) => b.remainder - a.remainder)) {
    if (missing <= 0) break;
    entry.percent++;
    missing--;
  }
  return [
    { type: REVISION, revision: newRevision, percent },
    ...floored
      .filter((entry) => entry.percent > 0)
      .map(({ revision, percent: p }) => ({ type: REVISION, revision, percent: p }) as TrafficTarget),
    ...tags,
  ];
}

/** Back to the split that served before the deploy; tag-only entries of the current service kept. */
export function rollbackTraffic(current: Service, previous: readonly Split[]): TrafficTarget[] {
  return [...splitEntries(previous), ...tagOnlyEntries(current, [])];
}

/** The traffic with `tag` removed (an entry that also carries traffic keeps its traffic). */
export function withoutTag(service: Service, tag: string): TrafficTarget[] {
  const out: TrafficTarget[] = [];
  for (const target of service.traffic ?? []) {
    if (target.tag !== tag) out.push(target);
    else if (target.percent) out.push({ ...target, tag: undefined } as TrafficTarget);
  }
  return out.map(
    (target) =>
      Object.fromEntries(
        Object.entries(target).filter(([, value]) => value !== undefined),
      ) as unknown as TrafficTarget,
  );
}

export function tagUri(service: Service, tag: string): string | undefined {
  return service.trafficStatuses?.find((status) => status.tag === tag)?.uri;
}

export function lastSegment(name: string | undefined): string {
  return name ? name.slice(name.lastIndexOf('/') + 1) : '';
}
