/**
 * Removing previews: a PR's `pr-<n>` tag (on close) and, by a periodic sweep, every preview tag
 * whose revision is older than a limit, so the per-service revision quota is never reached. A
 * revision is deleted only once nothing routes to it.
 */
import type { CloudRunClient } from '../../gcp/cloud-run.js';
import type { Revision, Service } from '../../gcp/cloud-run-types.js';
import type { Logger } from '../../logger.js';
import { waitReady } from './cloud-run-target.js';
import { withTraffic } from './service-body.js';
import { lastSegment, previewTag, withoutTag } from './traffic.js';

export interface CleanupOutcome {
  removedTags: string[];
  deletedRevisions: string[];
}

/** Pure: preview tags (`pr-<n>`) whose revision was created before `cutoff` (epoch ms). */
export function stalePreviewTags(service: Service, revisions: readonly Revision[], cutoff: number): string[] {
  const created = new Map(
    revisions.map((revision) => [lastSegment(revision.name), Date.parse(revision.createTime ?? '')]),
  );
  return (service.traffic ?? [])
    .filter((target) => target.tag && /^pr-\d+$/.test(target.tag) && target.revision)
    .filter((target) => {
      const time = created.get(target.revision!);
      return time !== undefined && Number.isFinite(time) && time < cutoff;
    })
    .map((target) => target.tag!);
}

/** Pure: revisions that nothing routes to once `traffic` is in place (candidates for deletion). */
function unrouted(service: Service, revisions: readonly string[]): string[] {
  const routed = new Set((service.traffic ?? []).map((target) => target.revision).filter(Boolean));
  const latestRouted = (service.traffic ?? []).some(
    (target) => target.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST',
  );
  const latest = lastSegment(service.latestReadyRevision);
  return revisions.filter(
    (revision) =>
      !routed.has(revision) &&
      !(latestRouted && revision === latest) &&
      revision !== lastSegment(service.latestCreatedRevision),
  );
}

export async function removeTags(
  client: CloudRunClient,
  serviceName: string,
  tags: readonly string[],
  timeoutMs: number,
  logger: Logger,
): Promise<CleanupOutcome> {
  const service = await client.getService(serviceName);
  if (!service) {
    logger.info(`${serviceName} does not exist; nothing to clean up`);
    return { removedTags: [], deletedRevisions: [] };
  }
  const present = tags.filter((tag) => service.traffic?.some((target) => target.tag === tag));
  if (present.length === 0) {
    logger.info(`no ${tags.join(', ')} tag on ${serviceName}; nothing to clean up`);
    return { removedTags: [], deletedRevisions: [] };
  }
  const tagged = (service.traffic ?? [])
    .filter((target) => target.tag && present.includes(target.tag) && target.revision)
    .map((target) => target.revision!);
  let traffic = service.traffic ?? [];
  for (const tag of present) traffic = withoutTag({ ...service, traffic }, tag);
  const operation = await client.applyService(withTraffic(service, traffic));
  const updated = await waitReady(client, operation, serviceName, undefined, timeoutMs, logger);
  logger.info(`Removed tag${present.length > 1 ? 's' : ''} ${present.join(', ')} from ${serviceName}`);
  const deletedRevisions: string[] = [];
  for (const revision of unrouted(updated, [...new Set(tagged)])) {
    const deletion = await client.deleteRevision(`${serviceName}/revisions/${revision}`);
    if (deletion) await client.waitOperation(deletion, timeoutMs);
    deletedRevisions.push(revision);
    logger.info(`Deleted revision ${revision}`);
  }
  return { removedTags: present, deletedRevisions };
}

export function removePreview(
  client: CloudRunClient,
  serviceName: string,
  pr: number,
  timeoutMs: number,
  logger: Logger,
): Promise<CleanupOutcome> {
  return removeTags(client, serviceName, [previewTag(pr)], timeoutMs, logger);
}

export async function sweepPreviews(
  client: CloudRunClient,
  serviceName: string,
  maxAgeMs: number,
  nowMs: number,
  timeoutMs: number,
  logger: Logger,
): Promise<CleanupOutcome> {
  const service = await client.getService(serviceName);
  if (!service) return { removedTags: [], deletedRevisions: [] };
  const revisions = await client.listRevisions(serviceName);
  const stale = stalePreviewTags(service, revisions, nowMs - maxAgeMs);
  if (stale.length === 0) {
    logger.info('no preview tag is older than the limit');
    return { removedTags: [], deletedRevisions: [] };
  }
  return removeTags(client, serviceName, stale, timeoutMs, logger);
}
