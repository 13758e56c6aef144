/**
 * The fake Cloud Run Admin API v2: services get/create/patch/delete, operations get, revisions
 * list/get/delete. Request bodies are checked against the v2 protos (unknown fields are 400
 * INVALID_ARGUMENT, OUTPUT_ONLY fields ignored) and so are the fake's own responses. A new
 * revision is created per template change and becomes Ready after a short delay, or never
 * (fault injection: a container that does not listen on PORT). Each service URL and tag URL is a
 * real loopback server that answers as the revision its traffic split picks.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { ProcessRunner } from '../../../src/adapters/process.js';
import { freePort } from '../../helpers/ports.js';
import { listenUrl, readBody, sendGoogleError, sendJson } from './http-util.js';
import { checkMessage, missingRequired, ProtoError, RUN_V2 } from './proto-check.js';

type Json = Record<string, unknown>;

interface TrafficTarget {
  type?: string;
  revision?: string;
  percent?: number;
  tag?: string;
}

interface RevisionState {
  name: string;
  shortName: string;
  uid: string;
  createTime: string;
  template: Json;
  state: 'pending' | 'ready' | 'failed';
  message: string;
  generation: number;
  /** Docker mode: the running container and the port it serves on. */
  containerId?: string;
  port?: number;
}

interface ServiceState {
  spec: Json;
  uid: string;
  generation: number;
  createTime: string;
  updateTime: string;
  latestCreated: string | undefined;
  latestReady: string | undefined;
  terminal: { state: string; message: string };
  trafficStatuses: { type: string; revision: string; percent?: number; tag?: string }[];
  router: Server;
  routerUrl: string;
  tagServers: Map<string, { server: Server; url: string }>;
  counter: number;
  reconciling: boolean;
}

export type NotListeningMode = 'fail' | 'hang';

export interface RunFaults {
  /** Images whose container never listens on PORT. */
  notListening: Map<string, NotListeningMode>;
  /** Answer the next n Cloud Run API calls with 503. */
  failNext: number;
}

export interface RunCall {
  method: string;
  path: string;
  principal: string;
  body?: unknown;
}

const NOT_LISTENING_MESSAGE =
  'The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable within the allocated timeout. This can happen when the container port is misconfigured or if the timeout is too short. The health check timeout can be extended. Logs for this revision might contain more information.';

const TAG = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

export class FakeCloudRun {
  readonly services = new Map<string, ServiceState>();
  readonly revisions = new Map<string, RevisionState>();
  readonly operations = new Map<string, Json>();
  readonly calls: RunCall[] = [];
  readonly faults: RunFaults = { notListening: new Map(), failNext: 0 };
  /** How long a revision takes to become Ready. */
  readyDelayMs = 30;
  /** Docker mode: how long a container gets to listen on PORT (Cloud Run's startup probe). */
  startupTimeoutMs = 20_000;
  /** When set, revisions really run their image (see startContainer). */
  docker: ProcessRunner | undefined;
  private closed = false;
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(private readonly project = 'acme-prod') {}

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    principal: string,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const text = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return sendGoogleError(
          res,
          400,
          'INVALID_ARGUMENT',
          'Invalid JSON payload received. Unexpected token.',
        );
      }
    }
    this.calls.push({ method, path, principal, ...(body === undefined ? {} : { body }) });
    if (this.faults.failNext > 0) {
      this.faults.failNext--;
      return sendGoogleError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.');
    }
    const match =
      /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/(services|operations)(?:\/([^/]+)(?:\/(revisions)(?:\/([^/]+))?)?)?$/.exec(
        path,
      );
    if (!match)
      return sendGoogleError(
        res,
        404,
        'NOT_FOUND',
        `The requested URL ${path} was not found on this server.`,
      );
    const [, project, location, collection, id, sub, revisionId] = match;
    if (project !== this.project) {
      return sendGoogleError(
        res,
        403,
        'PERMISSION_DENIED',
        `Permission 'run.services.get' denied on resource 'projects/${project}/locations/${location}/services/${id ?? ''}' (or resource may not exist).`,
      );
    }
    const parent = `projects/${project}/locations/${location}`;
    try {
      if (collection === 'operations') {
        if (method !== 'GET' || !id)
          return sendGoogleError(res, 405, 'INVALID_ARGUMENT', 'Method not allowed');
        const operation = this.operations.get(`${parent}/operations/${id}`);
        if (!operation)
          return sendGoogleError(res, 404, 'NOT_FOUND', `Operation ${parent}/operations/${id} not found.`);
        return this.reply(res, 'google.longrunning.Operation', operation);
      }
      if (!id) {
        if (method === 'POST')
          return await this.create(res, parent, query.get('serviceId') ?? '', body, principal);
        if (method === 'GET') {
          const services = [...this.services.keys()]
            .filter((name) => name.startsWith(`${parent}/`))
            .map((name) => this.serviceJson(name));
          return this.reply(res, `${RUN_V2}.ListServicesResponse`, { services });
        }
        return sendGoogleError(res, 405, 'INVALID_ARGUMENT', 'Method not allowed');
      }
      const name = `${parent}/services/${id}`;
      if (sub === 'revisions') return this.revisionsRoute(res, method, name, revisionId);
      switch (method) {
        case 'GET': {
          if (!this.services.has(name))
            return sendGoogleError(
              res,
              404,
              'NOT_FOUND',
              `Resource '${id}' of kind 'SERVICE' in region '${location}' in project '${project}' does not exist.`,
            );
          return this.reply(res, `${RUN_V2}.Service`, this.serviceJson(name));
        }
        case 'PATCH': {
          const exists = this.services.has(name);
          if (!exists && query.get('allowMissing') !== 'true') {
            return sendGoogleError(
              res,
              404,
              'NOT_FOUND',
              `Resource '${id}' of kind 'SERVICE' in region '${location}' in project '${project}' does not exist.`,
            );
          }
          if (query.get('updateMask'))
            return sendGoogleError(
              res,
              400,
              'INVALID_ARGUMENT',
              'update_mask is not supported by this fake; send the full service',
            );
          const spec = this.validateService(body, 'service');
          if (spec.name !== undefined && spec.name !== name) {
            return sendGoogleError(
              res,
              400,
              'INVALID_ARGUMENT',
              `service.name "${String(spec.name)}" does not match the name in the URL "${name}".`,
            );
          }
          return this.reply(res, 'google.longrunning.Operation', await this.apply(name, spec, principal));
        }
        case 'DELETE': {
          const state = this.services.get(name);
          if (!state)
            return sendGoogleError(
              res,
              404,
              'NOT_FOUND',
              `Resource '${id}' of kind 'SERVICE' does not exist.`,
            );
          const json = this.serviceJson(name);
          this.closeService(state);
          this.services.delete(name);
          for (const revision of [...this.revisions.keys()])
            if (revision.startsWith(`${name}/`)) this.revisions.delete(revision);
          return this.reply(res, 'google.longrunning.Operation', this.operation(parent, json, true));
        }
        default:
          return sendGoogleError(res, 405, 'INVALID_ARGUMENT', 'Method not allowed');
      }
    } catch (error) {
      if (error instanceof ProtoError || error instanceof InvalidArgument)
        return sendGoogleError(res, 400, 'INVALID_ARGUMENT', error.message);
      if (error instanceof Conflict) return sendGoogleError(res, 409, 'ALREADY_EXISTS', error.message);
      throw error;
    }
  }

  private async create(
    res: ServerResponse,
    parent: string,
    serviceId: string,
    body: unknown,
    principal: string,
  ): Promise<void> {
    if (!/^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/.test(serviceId)) {
      return sendGoogleError(
        res,
        400,
        'INVALID_ARGUMENT',
        `service_id "${serviceId}" must use only lowercase alphanumeric characters and dashes, start with a letter, not end with a dash, and be at most 49 characters.`,
      );
    }
    const name = `${parent}/services/${serviceId}`;
    if (this.services.has(name))
      return sendGoogleError(res, 409, 'ALREADY_EXISTS', `Resource '${serviceId}' already exists.`);
    const spec = this.validateService(body, 'service');
    if (spec.name)
      return sendGoogleError(
        res,
        400,
        'INVALID_ARGUMENT',
        'service.name must be empty on create; the name comes from service_id.',
      );
    return this.reply(res, 'google.longrunning.Operation', await this.apply(name, spec, principal));
  }

  /** Proto check (unknown fields, enums, types; OUTPUT_ONLY dropped), then Cloud Run's own rules. */
  private validateService(body: unknown, path: string): Json {
    const spec = checkMessage(`${RUN_V2}.Service`, body ?? {}, path, { stripOutputOnly: true });
    const missing = missingRequired(`${RUN_V2}.Service`, spec);
    if (missing.length) throw new InvalidArgument(`service.${missing[0]}: must be specified`);
    const template = spec.template as Json;
    const containers = (template.containers as Json[] | undefined) ?? [];
    if (containers.length === 0)
      throw new InvalidArgument('service.template.containers: at least one container must be specified');
    for (const [index, container] of containers.entries()) {
      if (!container.image)
        throw new InvalidArgument(`service.template.containers[${index}].image: must be specified`);
      const names = new Set<string>();
      for (const env of (container.env as Json[] | undefined) ?? []) {
        const envName = String(env.name ?? '');
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName))
          throw new InvalidArgument(`service.template.containers[${index}].env: invalid name "${envName}"`);
        if (names.has(envName))
          throw new InvalidArgument(`service.template.containers[${index}].env: duplicate name "${envName}"`);
        if (['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'].includes(envName)) {
          throw new InvalidArgument(
            `service.template.containers[${index}].env: the following reserved env names were provided: ${envName}`,
          );
        }
        names.add(envName);
        const source = env.valueSource as { secretKeyRef?: Json } | undefined;
        if (source && !source.secretKeyRef?.secret)
          throw new InvalidArgument(
            `service.template.containers[${index}].env["${envName}"].value_source.secret_key_ref.secret: must be specified`,
          );
      }
      const limits =
        ((container.resources as Json | undefined)?.limits as Record<string, string> | undefined) ?? {};
      if (limits.memory && !/^\d+(Mi|Gi)$/.test(limits.memory))
        throw new InvalidArgument(
          `service.template.containers[${index}].resources.limits.memory: invalid quantity "${limits.memory}"`,
        );
      if (limits.cpu && !/^(\d+(\.\d+)?|\d+m)$/.test(limits.cpu))
        throw new InvalidArgument(
          `service.template.containers[${index}].resources.limits.cpu: invalid quantity "${limits.cpu}"`,
        );
    }
    const concurrency = template.maxInstanceRequestConcurrency as number | undefined;
    if (concurrency !== undefined && (concurrency < 1 || concurrency > 1000))
      throw new InvalidArgument(
        'service.template.max_instance_request_concurrency: must be between 1 and 1000',
      );
    const timeout = template.timeout as string | undefined;
    if (timeout && Number.parseFloat(timeout) > 3600)
      throw new InvalidArgument('service.template.timeout: must be at most 3600s');
    const scaling = template.scaling as { minInstanceCount?: number; maxInstanceCount?: number } | undefined;
    if (
      scaling?.minInstanceCount !== undefined &&
      scaling.maxInstanceCount !== undefined &&
      scaling.minInstanceCount > scaling.maxInstanceCount
    ) {
      throw new InvalidArgument(
        'service.template.scaling: min_instance_count must not exceed max_instance_count',
      );
    }
    for (const labels of [spec.labels, template.labels] as (Record<string, string> | undefined)[]) {
      for (const [key, value] of Object.entries(labels ?? {})) {
        if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value))
          throw new InvalidArgument(
            `labels: invalid label ${JSON.stringify(key)}: ${JSON.stringify(value)}; keys and values are lowercase letters, digits, _ and - (at most 63)`,
          );
      }
    }
    return spec;
  }

  private async apply(name: string, spec: Json, principal: string): Promise<Json> {
    const parent = name.replace(/\/services\/[^/]+$/, '');
    const serviceId = name.slice(name.lastIndexOf('/') + 1);
    let state = this.services.get(name);
    const now = new Date().toISOString();
    const template = spec.template as Json;
    const templateKey = JSON.stringify(canonical({ ...template, revision: undefined }));
    const latest = state?.latestCreated
      ? this.revisions.get(`${name}/revisions/${state.latestCreated}`)
      : undefined;
    const requestedRevision = template.revision as string | undefined;
    const changed =
      !latest ||
      JSON.stringify(canonical({ ...latest.template, revision: undefined })) !== templateKey ||
      (requestedRevision !== undefined && requestedRevision !== latest.shortName);
    let newRevision: RevisionState | undefined;
    const counter = (state?.counter ?? 0) + (changed ? 1 : 0);
    if (changed) {
      const shortName =
        requestedRevision ??
        `${serviceId}-${String(counter).padStart(5, '0')}-${randomBytes(2).toString('hex').slice(0, 3)}`;
      if (!shortName.startsWith(`${serviceId}-`) || !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(shortName)) {
        throw new InvalidArgument(
          `service.template.revision: "${shortName}" must start with "${serviceId}-" and use only lowercase letters, digits and dashes (at most 63)`,
        );
      }
      const existing = this.revisions.get(`${name}/revisions/${shortName}`);
      if (existing)
        throw new Conflict(`Revision named '${shortName}' with different configuration already exists.`);
      newRevision = {
        name: `${name}/revisions/${shortName}`,
        shortName,
        uid: randomUUID(),
        createTime: now,
        template: structuredClone(template),
        state: 'pending',
        message: 'Deploying revision.',
        generation: 1,
      };
    }
    const traffic = this.validateTraffic(
      name,
      (spec.traffic as TrafficTarget[] | undefined) ?? [],
      newRevision?.shortName ?? state?.latestCreated,
    );
    if (newRevision) this.revisions.set(newRevision.name, newRevision);
    if (!state) {
      const router = await this.routerServer(name, () => this.services.get(name));
      state = {
        spec,
        uid: randomUUID(),
        generation: 0,
        createTime: now,
        updateTime: now,
        latestCreated: undefined,
        latestReady: undefined,
        terminal: { state: 'CONDITION_RECONCILING', message: '' },
        trafficStatuses: [],
        router: router.server,
        routerUrl: router.url,
        tagServers: new Map(),
        counter: 0,
        reconciling: true,
      };
      this.services.set(name, state);
    }
    state.spec = {
      ...spec,
      traffic: traffic.length ? traffic : [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    };
    state.generation++;
    state.counter = counter;
    state.updateTime = now;
    state.reconciling = true;
    state.terminal = { state: 'CONDITION_RECONCILING', message: 'Deploying revision.' };
    if (newRevision) state.latestCreated = newRevision.shortName;
    void principal;
    const operation = this.operation(parent, this.serviceJson(name), false);
    const finish = () => this.settle(name, newRevision, operation);
    const mode = newRevision
      ? this.faults.notListening.get(String((newRevision.template.containers as Json[])[0]?.image))
      : undefined;
    if (mode === 'hang') {
      newRevision!.message = 'Container is starting. Waiting for the container to listen on PORT=8080.';
      return operation;
    }
    const rollout = async () => {
      await this.delay(newRevision ? this.readyDelayMs : 5);
      if (newRevision) {
        if (mode === 'fail') {
          newRevision.state = 'failed';
          newRevision.message = NOT_LISTENING_MESSAGE;
        } else if (this.docker) {
          await this.startContainer(name, newRevision);
        } else {
          newRevision.state = 'ready';
          newRevision.message = '';
        }
      }
      if (!this.closed) await finish();
    };
    void rollout().catch(() => {});
    return operation;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.add(timer);
    });
  }

  /**
   * Docker mode: the revision is the image really running (`docker run --network host` with
   * PORT and the K_* variables Cloud Run sets). Ready once it answers HTTP on PORT within the
   * startup timeout; otherwise it fails with Cloud Run's own message, as a real revision would.
   */
  private async startContainer(service: string, revision: RevisionState): Promise<void> {
    const docker = this.docker!;
    const container = ((revision.template.containers as Json[])[0] ?? {}) as {
      image?: string;
      env?: { name: string; value?: string }[];
    };
    const port = await freePort();
    const argv = [
      'docker',
      'run',
      '-d',
      '--network',
      'host',
      '--label',
      'orchestra-perf.fake-cloud-run=1',
      '-e',
      `PORT=${port}`,
    ];
    argv.push(
      '-e',
      `K_SERVICE=${service.slice(service.lastIndexOf('/') + 1)}`,
      '-e',
      `K_REVISION=${revision.shortName}`,
    );
    for (const env of container.env ?? [])
      argv.push('-e', `${env.name}=${env.value ?? 'secret-value-from-secret-manager'}`);
    argv.push(String(container.image));
    const started = await docker.run(argv, { timeoutMs: 120_000 });
    if (started.exitCode !== 0) {
      revision.state = 'failed';
      revision.message = `Image '${String(container.image)}' not found. ${started.stderr.trim().slice(-300)}`;
      return;
    }
    revision.containerId = started.stdout.trim();
    const deadline = Date.now() + this.startupTimeoutMs;
    while (!this.closed && Date.now() < deadline) {
      const listening = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) }).then(
        async (response) => {
          await response.arrayBuffer();
          return true;
        },
        () => false,
      );
      if (listening) {
        revision.state = 'ready';
        revision.message = '';
        revision.port = port;
        return;
      }
      await this.delay(100);
    }
    revision.state = 'failed';
    revision.message = NOT_LISTENING_MESSAGE.replace('PORT=8080', `PORT=${port}`);
  }

  private validateTraffic(
    service: string,
    traffic: TrafficTarget[],
    newRevision: string | undefined,
  ): TrafficTarget[] {
    let total = 0;
    const tags = new Set<string>();
    for (const [index, target] of traffic.entries()) {
      const type = target.type ?? 'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED';
      if (type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED')
        throw new InvalidArgument(`service.traffic[${index}].type: must be specified`);
      if (type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION') {
        if (!target.revision)
          throw new InvalidArgument(
            `service.traffic[${index}].revision: must be specified for type REVISION`,
          );
        if (
          target.revision !== newRevision &&
          !this.revisions.has(`${service}/revisions/${target.revision}`)
        ) {
          throw new InvalidArgument(
            `service.traffic[${index}]: Revision named '${target.revision}' does not exist.`,
          );
        }
      } else if (target.revision) {
        throw new InvalidArgument(`service.traffic[${index}].revision: must be empty for type LATEST`);
      }
      if (target.percent !== undefined && (target.percent < 0 || target.percent > 100))
        throw new InvalidArgument(`service.traffic[${index}].percent: must be between 0 and 100`);
      total += target.percent ?? 0;
      if (target.tag !== undefined && target.tag !== '') {
        if (!TAG.test(target.tag) || target.tag.length > 46)
          throw new InvalidArgument(`service.traffic[${index}].tag: "${target.tag}" is not a valid tag`);
        if (tags.has(target.tag))
          throw new InvalidArgument(`service.traffic: tag "${target.tag}" is used more than once`);
        tags.add(target.tag);
      }
    }
    if (traffic.length > 0 && total !== 100)
      throw new InvalidArgument(`service.traffic: the traffic percentages must add up to 100 (got ${total})`);
    return traffic;
  }

  private async settle(name: string, revision: RevisionState | undefined, operation: Json): Promise<void> {
    const state = this.services.get(name);
    if (!state) return;
    state.reconciling = false;
    if (revision?.state === 'failed') {
      state.terminal = {
        state: 'CONDITION_FAILED',
        message: `Revision '${revision.shortName}' is not ready and cannot serve traffic. ${revision.message}`,
      };
      operation.done = true;
      operation.error = { code: 9, message: state.terminal.message };
      operation.metadata = { '@type': `type.googleapis.com/${RUN_V2}.Service`, ...this.serviceJson(name) };
      return;
    }
    if (revision) state.latestReady = revision.shortName;
    // Resolve the traffic spec against the ready revisions.
    const statuses: ServiceState['trafficStatuses'] = [];
    for (const target of state.spec.traffic as TrafficTarget[]) {
      const resolved =
        target.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST' ? state.latestReady : target.revision;
      if (!resolved) continue;
      statuses.push({
        type: target.type!,
        revision: resolved,
        ...(target.percent ? { percent: target.percent } : {}),
        ...(target.tag ? { tag: target.tag } : {}),
      });
    }
    state.trafficStatuses = statuses;
    const wanted = new Set(statuses.filter((status) => status.tag).map((status) => status.tag!));
    for (const [tag, entry] of state.tagServers) {
      if (!wanted.has(tag)) {
        entry.server.close();
        state.tagServers.delete(tag);
      }
    }
    for (const tag of wanted) {
      if (!state.tagServers.has(tag)) {
        const server = await this.tagServer(
          () => this.services.get(name)?.trafficStatuses.find((status) => status.tag === tag)?.revision,
        );
        state.tagServers.set(tag, server);
      }
    }
    state.terminal = { state: 'CONDITION_SUCCEEDED', message: '' };
    const json = this.serviceJson(name);
    operation.done = true;
    operation.metadata = { '@type': `type.googleapis.com/${RUN_V2}.Service`, ...json };
    operation.response = { '@type': `type.googleapis.com/${RUN_V2}.Service`, ...json };
  }

  private revisionsRoute(
    res: ServerResponse,
    method: string,
    service: string,
    revisionId: string | undefined,
  ) {
    const state = this.services.get(service);
    if (!state) return sendGoogleError(res, 404, 'NOT_FOUND', `Service ${service} does not exist.`);
    if (!revisionId) {
      if (method !== 'GET') return sendGoogleError(res, 405, 'INVALID_ARGUMENT', 'Method not allowed');
      const revisions = [...this.revisions.values()]
        .filter((revision) => revision.name.startsWith(`${service}/revisions/`))
        .sort((a, b) => b.createTime.localeCompare(a.createTime) || b.shortName.localeCompare(a.shortName))
        .map((revision) => this.revisionJson(revision));
      return this.reply(res, `${RUN_V2}.ListRevisionsResponse`, { revisions });
    }
    const revision = this.revisions.get(`${service}/revisions/${revisionId}`);
    if (!revision) return sendGoogleError(res, 404, 'NOT_FOUND', `Revision ${revisionId} does not exist.`);
    if (method === 'GET') return this.reply(res, `${RUN_V2}.Revision`, this.revisionJson(revision));
    if (method !== 'DELETE') return sendGoogleError(res, 405, 'INVALID_ARGUMENT', 'Method not allowed');
    const spec = (state.spec.traffic as TrafficTarget[]) ?? [];
    const routed =
      spec.some((target) => target.revision === revisionId) ||
      (revisionId === state.latestReady &&
        spec.some((target) => target.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'));
    if (routed || revisionId === state.latestCreated) {
      return sendGoogleError(
        res,
        400,
        'FAILED_PRECONDITION',
        `Revision ${revisionId} cannot be deleted because it is referenced by the service's traffic or is the latest created revision.`,
      );
    }
    const json = this.revisionJson(revision);
    this.revisions.delete(revision.name);
    if (revision.containerId && this.docker)
      void this.docker.run(['docker', 'rm', '-f', revision.containerId], { timeoutMs: 60_000 });
    const parent = service.replace(/\/services\/[^/]+$/, '');
    const operation = this.operation(
      parent,
      { '@type': `type.googleapis.com/${RUN_V2}.Revision`, ...json },
      true,
      `${RUN_V2}.Revision`,
    );
    return this.reply(res, 'google.longrunning.Operation', operation);
  }

  private operation(parent: string, resource: Json, done: boolean, type = `${RUN_V2}.Service`): Json {
    const { '@type': _drop, ...plain } = resource;
    const name = `${parent}/operations/${randomUUID()}`;
    const typed = { '@type': `type.googleapis.com/${type}`, ...plain };
    const operation: Json = { name, metadata: typed, done, ...(done ? { response: typed } : {}) };
    this.operations.set(name, operation);
    return operation;
  }

  serviceJson(name: string): Json {
    const state = this.services.get(name)!;
    const { name: _omit, ...spec } = state.spec;
    const conditions = state.terminal;
    return {
      name,
      uid: state.uid,
      generation: String(state.generation),
      createTime: state.createTime,
      updateTime: state.updateTime,
      creator: 'deployer@acme-prod.iam.gserviceaccount.com',
      lastModifier: 'deployer@acme-prod.iam.gserviceaccount.com',
      ingress: 'INGRESS_TRAFFIC_ALL',
      launchStage: 'GA',
      ...spec,
      observedGeneration: String(state.generation),
      terminalCondition: {
        type: 'Ready',
        state: conditions.state,
        ...(conditions.message ? { message: conditions.message } : {}),
        lastTransitionTime: state.updateTime,
        ...(conditions.state === 'CONDITION_FAILED' ? { severity: 'ERROR', reason: 'REVISION_FAILED' } : {}),
      },
      conditions: [
        {
          type: 'RoutesReady',
          state: conditions.state === 'CONDITION_SUCCEEDED' ? 'CONDITION_SUCCEEDED' : 'CONDITION_PENDING',
          lastTransitionTime: state.updateTime,
        },
        { type: 'ConfigurationsReady', state: conditions.state, lastTransitionTime: state.updateTime },
      ],
      ...(state.latestReady ? { latestReadyRevision: `${name}/revisions/${state.latestReady}` } : {}),
      ...(state.latestCreated ? { latestCreatedRevision: `${name}/revisions/${state.latestCreated}` } : {}),
      trafficStatuses: state.trafficStatuses.map((status) => ({
        ...status,
        ...(status.tag ? { uri: state.tagServers.get(status.tag)?.url ?? '' } : {}),
      })),
      uri: state.routerUrl,
      urls: [state.routerUrl],
      reconciling: state.reconciling,
      etag: `"${state.generation}"`,
    };
  }

  private revisionJson(revision: RevisionState): Json {
    const template = revision.template;
    const service = revision.name.replace(/\/revisions\/[^/]+$/, '');
    const ready =
      revision.state === 'ready'
        ? 'CONDITION_SUCCEEDED'
        : revision.state === 'failed'
          ? 'CONDITION_FAILED'
          : 'CONDITION_PENDING';
    const { revision: _name, ...fields } = template;
    return {
      name: revision.name,
      uid: revision.uid,
      generation: String(revision.generation),
      createTime: revision.createTime,
      updateTime: revision.createTime,
      ...fields,
      service,
      reconciling: revision.state === 'pending',
      conditions: [
        {
          type: 'Ready',
          state: ready,
          ...(revision.message ? { message: revision.message } : {}),
          lastTransitionTime: revision.createTime,
          ...(ready === 'CONDITION_FAILED' ? { severity: 'ERROR' } : {}),
        },
        {
          type: 'ContainerHealthy',
          state: ready,
          ...(revision.message ? { message: revision.message } : {}),
          lastTransitionTime: revision.createTime,
        },
      ],
      observedGeneration: String(revision.generation),
      logUri: `https://console.cloud.google.com/logs/viewer?resource=cloud_run_revision/revision_name/${revision.shortName}`,
    };
  }

  /** Responses are checked too: a fake that answers what the API never would is a broken fake. */
  private reply(res: ServerResponse, type: string, body: Json): void {
    checkMessage(type, body, 'response', { stripOutputOnly: false });
    sendJson(res, 200, body);
  }

  /** The service URL: answers as a revision picked by the traffic split. */
  private async routerServer(
    name: string,
    state: () => ServiceState | undefined,
  ): Promise<{ server: Server; url: string }> {
    const server = createServer((req, res) => {
      const statuses = state()?.trafficStatuses.filter((status) => status.percent) ?? [];
      const roll = Math.random() * 100;
      let cumulative = 0;
      const chosen =
        statuses.find((status) => {
          cumulative += status.percent ?? 0;
          return roll < cumulative;
        }) ?? statuses[0];
      this.serve(req, res, name, chosen?.revision);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: listenUrl(server) };
  }

  private async tagServer(revision: () => string | undefined): Promise<{ server: Server; url: string }> {
    const server = createServer((req, res) => this.serve(req, res, '', revision()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: listenUrl(server) };
  }

  private serve(
    req: IncomingMessage,
    res: ServerResponse,
    _service: string,
    revision: string | undefined,
  ): void {
    if (!revision) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('Service Unavailable');
      return;
    }
    const port = this.revisionByShortName(revision)?.port;
    if (port) {
      const upstream = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-revision': revision });
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('Service Unavailable');
      });
      req.pipe(upstream);
      return;
    }
    const body = JSON.stringify({ revision, path: req.url });
    res.writeHead(200, { 'content-type': 'application/json', 'x-revision': revision });
    res.end(body);
  }

  private revisionByShortName(shortName: string): RevisionState | undefined {
    for (const revision of this.revisions.values()) if (revision.shortName === shortName) return revision;
    return undefined;
  }

  /** Serving percent per revision right now (what the routers use). */
  servingSplit(name: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const status of this.services.get(name)?.trafficStatuses ?? []) {
      if (status.percent) out[status.revision] = (out[status.revision] ?? 0) + status.percent;
    }
    return out;
  }

  private closeService(state: ServiceState): void {
    state.router.close();
    for (const entry of state.tagServers.values()) entry.server.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.pending) clearTimeout(timer);
    for (const state of this.services.values()) this.closeService(state);
    const containers = [...this.revisions.values()]
      .map((revision) => revision.containerId)
      .filter((id): id is string => Boolean(id));
    if (this.docker && containers.length)
      await this.docker.run(['docker', 'rm', '-f', ...containers], { timeoutMs: 60_000 });
  }
}

class InvalidArgument extends Error {}
class Conflict extends Error {}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Json)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
