/**
 * A fake GitHub REST API on 127.0.0.1 for the report stage: issue comments (real pagination and Link
 * headers), /user, contents with sha compare-and-swap, the git data API for creating a branch, check
 * runs and commits/{sha}/pulls. Every request is routed and validated through GitHub's official
 * OpenAPI description (unknown operation: 404; invalid parameters or body: 422) and every response it
 * sends is validated against the documented schema for its status (a mismatch is recorded in
 * `violations` and answered with 500 so the test fails). Faults are injected per operation.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitStore } from './git-store.js';
import { loadOpenApi, type OpenApi, type Operation } from './openapi.js';

type Json = Record<string, unknown>;
type Permission = 'read' | 'write';

export interface FakeToken {
  login: string;
  /** `installation` tokens (GITHUB_TOKEN, apps) get 403 on GET /user, like on GitHub. */
  kind: 'user' | 'installation';
  permissions: { contents?: Permission; pull_requests?: Permission; checks?: Permission };
}

export interface FakeComment {
  id: number;
  issue: number;
  login: string;
  userType: 'User' | 'Bot';
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface FakePullRequest {
  number: number;
  headSha: string;
  title: string;
  headRepo: string;
  state: 'open' | 'closed';
}

export interface Fault {
  operationId: string;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /** A canned response instead of the handler... */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** ...or something that happens just before the handler runs (e.g. another writer wins a race). */
  before?: (fake: FakeGitHub) => void;
  /** Hold the request this long before answering (a slow or hung GitHub). */
  delayMs?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  operationId: string | undefined;
  status: number;
  body: unknown;
  login: string | undefined;
}

export const GITHUB_BODY_LIMIT = 65_536;
const DOCS = 'https://docs.github.com/rest';

export class FakeGitHub {
  readonly log: LoggedRequest[] = [];
  readonly violations: string[] = [];
  readonly git = new GitStore();
  readonly comments: FakeComment[] = [];
  readonly pullRequests: FakePullRequest[] = [];
  readonly checkRuns: Json[] = [];
  readonly tokens = new Map<string, FakeToken>();
  readonly faults: Fault[] = [];
  /** Most write requests that were in flight at the same time (writes must be serialized). */
  maxConcurrentWrites = 0;
  private writesInFlight = 0;
  url = '';
  private server: Server | undefined;
  private nextId = 1000;
  private tick = 0;
  private readonly userIds = new Map<string, number>();
  private readonly api: OpenApi;

  constructor(
    readonly owner = 'acme',
    readonly repo = 'api',
    readonly defaultBranch = 'main',
  ) {
    this.api = loadOpenApi();
    const readme = this.git.putBlob(Buffer.from('# api\n'));
    const root = this.git.putCommit(this.git.putTree(new Map([['README.md', readme]])), [], 'initial');
    this.git.branches.set(defaultBranch, root.sha);
  }

  static async start(owner?: string, repo?: string): Promise<FakeGitHub> {
    const fake = new FakeGitHub(owner, repo);
    await fake.listen();
    return fake;
  }

  async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push(`fake crashed: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addToken(token: string, spec: FakeToken): void {
    this.tokens.set(token, spec);
  }

  addPullRequest(
    pr: Partial<FakePullRequest> & { number: number; headSha: string },
    commitDate?: string,
  ): void {
    this.pullRequests.push({
      title: `PR ${pr.number}`,
      headRepo: `${this.owner}/${this.repo}`,
      state: 'open',
      ...pr,
    });
    this.addCommit(pr.headSha, commitDate);
  }

  /** A commit that exists in the repository (e.g. a PR head), with its committer date. */
  addCommit(sha: string, date?: string): void {
    const emptyTree = this.git.putTree(new Map());
    this.git.commits.set(sha, {
      sha,
      tree: emptyTree,
      parents: [],
      message: `commit ${sha.slice(0, 7)}`,
      date: date ?? this.now(),
    });
  }

  /** A comment written by someone else (or seeded), as if it already existed. */
  addComment(issue: number, login: string, body: string, userType: 'User' | 'Bot' = 'User'): FakeComment {
    const when = this.now();
    const comment = { id: this.nextId++, issue, login, userType, body, createdAt: when, updatedAt: when };
    this.comments.push(comment);
    return comment;
  }

  commentsOn(issue: number): FakeComment[] {
    return this.comments.filter((comment) => comment.issue === issue).sort((a, b) => a.id - b.id);
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  requests(operationId: string): LoggedRequest[] {
    return this.log.filter((entry) => entry.operationId === operationId);
  }

  /** Every request that would change something on GitHub. */
  writes(): LoggedRequest[] {
    return this.log.filter((entry) => entry.method !== 'GET' && entry.method !== 'HEAD');
  }

  readFile(branch: string, path: string): string | undefined {
    return this.git.readFile(branch, path)?.content.toString('utf8');
  }

  setFile(branch: string, path: string, content: string): void {
    if (!this.git.branches.has(branch)) {
      const root = this.git.putCommit(this.git.putTree(new Map()), [], 'seed');
      this.git.branches.set(branch, root.sha);
    }
    this.git.writeFile(branch, path, Buffer.from(content), 'seed');
  }

  private now(): string {
    return new Date(Date.parse('2026-02-01T00:00:00Z') + ++this.tick * 1000).toISOString();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const isWrite = method !== 'GET' && method !== 'HEAD';
    if (isWrite) {
      this.writesInFlight++;
      this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.writesInFlight);
      res.on('close', () => this.writesInFlight--);
    }
    const raw = await readBody(req);
    const entry: LoggedRequest = {
      method,
      path: url.pathname,
      operationId: undefined,
      status: 0,
      body: undefined,
      login: undefined,
    };
    this.log.push(entry);
    const send = (
      status: number,
      body?: unknown,
      headers: Record<string, string> = {},
      operation?: Operation,
      check = true,
    ) => {
      entry.status = status;
      if (operation && check) {
        const problems = this.api.checkResponse(operation, status, body);
        if (problems.length > 0) {
          this.violations.push(`${operation.operationId} ${status}: ${problems.join('; ')}`);
          status = 500;
          body = { message: `fake response violates the OpenAPI description: ${problems.join('; ')}` };
          entry.status = 500;
        }
      }
      const limitHeaders = {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-resource': 'core',
        'x-github-request-id': randomUUID(),
      };
      res.writeHead(status, {
        ...limitHeaders,
        ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };

    const matched = this.api.match(method, url.pathname);
    if (!matched) return send(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    const { operation, params } = matched;
    entry.operationId = operation.operationId;

    const token = /^(?:token|bearer)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const identity = token ? this.tokens.get(token) : undefined;
    if (!identity)
      return send(
        401,
        { message: 'Bad credentials', documentation_url: DOCS, status: '401' },
        {},
        operation,
        false,
      );
    entry.login = identity.login;

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return send(
          400,
          { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' },
          {},
          operation,
          false,
        );
      }
    }
    entry.body = body;

    const problems = [
      ...this.api.checkParameters(operation, params, url.searchParams),
      ...this.api.checkRequestBody(operation, body),
    ];
    if (problems.length > 0) {
      return send(
        422,
        { message: `Invalid request.\n\n${problems.join('\n')}`, documentation_url: DOCS, status: '422' },
        {},
        operation,
        false,
      );
    }
    if (params.owner !== this.owner || params.repo !== this.repo) {
      if ('owner' in params)
        return send(
          404,
          { message: 'Not Found', documentation_url: DOCS, status: '404' },
          {},
          operation,
          false,
        );
    }

    const fault = this.faults.find(
      (candidate) => candidate.operationId === operation.operationId && (candidate.times ?? 1) > 0,
    );
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      fault.before?.(this);
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      // Rate-limit and server-error responses are not in every operation's description; send as is.
      if (fault.status !== undefined)
        return send(fault.status, fault.body, fault.headers ?? {}, operation, false);
    }

    const reply = this.route(
      operation.operationId,
      params,
      url.searchParams,
      body as Json | undefined,
      identity,
    );
    return send(
      reply.status,
      reply.body,
      reply.headers ?? {},
      operation,
      reply.status < 400 || reply.validate === true,
    );
  }

  private route(
    id: string,
    params: Record<string, string>,
    query: URLSearchParams,
    body: Json | undefined,
    who: FakeToken,
  ): Reply {
    switch (id) {
      case 'users/get-authenticated':
        if (who.kind === 'installation') return error(403, 'Resource not accessible by integration');
        return { status: 200, body: this.privateUser(who.login) };
      case 'issues/list-comments':
        return this.listComments(Number(params.issue_number), query);
      case 'issues/create-comment':
        return this.createComment(Number(params.issue_number), String(body?.body ?? ''), who);
      case 'issues/get-comment': {
        const comment = this.comments.find((candidate) => candidate.id === Number(params.comment_id));
        return comment ? { status: 200, body: this.commentJson(comment) } : error(404, 'Not Found', true);
      }
      case 'issues/update-comment':
        return this.updateComment(Number(params.comment_id), String(body?.body ?? ''), who);
      case 'issues/delete-comment':
        return this.deleteComment(Number(params.comment_id), who);
      case 'repos/get-content':
        return this.getContent(params.path!, query.get('ref') ?? this.defaultBranch);
      case 'repos/create-or-update-file-contents':
        return this.putContent(params.path!, body ?? {}, who);
      case 'git/get-ref':
        return this.getRef(params.ref!);
      case 'git/create-ref':
        return this.createRef(String(body?.ref), String(body?.sha), who);
      case 'git/create-tree':
        return this.createTree(body ?? {}, who);
      case 'git/create-commit':
        return this.createCommit(body ?? {}, who);
      case 'git/get-commit':
        return this.getCommit(params.commit_sha!);
      case 'git/get-blob':
        return this.getBlob(params.file_sha!);
      case 'checks/create':
        return this.createCheckRun(body ?? {}, who);
      case 'repos/list-pull-requests-associated-with-commit':
        return this.pullsForCommit(params.commit_sha!);
      default:
        return error(404, 'Not Found');
    }
  }

  // --- issue comments ------------------------------------------------------------------------

  private listComments(issue: number, query: URLSearchParams): Reply {
    if (!this.pullRequests.some((pr) => pr.number === issue)) return error(404, 'Not Found');
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30)));
    const page = Math.max(1, Number(query.get('page') ?? 1));
    const all = this.commentsOn(issue);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const link = (n: number) =>
      `<${this.url}/repos/${this.owner}/${this.repo}/issues/${issue}/comments?per_page=${perPage}&page=${n}>`;
    const links: string[] = [];
    if (page > 1) links.push(`${link(page - 1)}; rel="prev"`, `${link(1)}; rel="first"`);
    if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
    return {
      status: 200,
      body: slice.map((comment) => this.commentJson(comment)),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  }

  private createComment(issue: number, text: string, who: FakeToken): Reply {
    if (!this.pullRequests.some((pr) => pr.number === issue)) return error(404, 'Not Found', true);
    if (who.permissions.pull_requests !== 'write')
      return error(403, 'Resource not accessible by integration', true);
    if (text.length > GITHUB_BODY_LIMIT) return bodyTooLong();
    const comment = this.addComment(issue, who.login, text, who.kind === 'installation' ? 'Bot' : 'User');
    return {
      status: 201,
      body: this.commentJson(comment),
      headers: { location: this.commentUrl(comment.id) },
    };
  }

  private updateComment(id: number, text: string, who: FakeToken): Reply {
    const comment = this.comments.find((candidate) => candidate.id === id);
    // Not documented as a response of update-comment, but it is what GitHub sends.
    if (!comment)
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    if (who.permissions.pull_requests !== 'write' || comment.login !== who.login) {
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' },
      };
    }
    if (text.length > GITHUB_BODY_LIMIT) return bodyTooLong();
    comment.body = text;
    comment.updatedAt = this.now();
    return { status: 200, body: this.commentJson(comment) };
  }

  private deleteComment(id: number, who: FakeToken): Reply {
    const index = this.comments.findIndex((candidate) => candidate.id === id);
    if (index < 0)
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    if (who.permissions.pull_requests !== 'write' || this.comments[index]!.login !== who.login) {
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' },
      };
    }
    this.comments.splice(index, 1);
    return { status: 204 };
  }

  private commentUrl(id: number): string {
    return `${this.url}/repos/${this.owner}/${this.repo}/issues/comments/${id}`;
  }

  private commentJson(comment: FakeComment): Json {
    const json = this.api.example('issue-comment');
    return {
      ...json,
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: this.commentUrl(comment.id),
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${comment.issue}#issuecomment-${comment.id}`,
      issue_url: `${this.url}/repos/${this.owner}/${this.repo}/issues/${comment.issue}`,
      body: comment.body,
      user: this.simpleUser(comment.login, comment.userType),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: comment.userType === 'Bot' ? 'NONE' : 'MEMBER',
      performed_via_github_app: null,
    };
  }

  private userId(login: string): number {
    if (!this.userIds.has(login)) this.userIds.set(login, 500 + this.userIds.size);
    return this.userIds.get(login)!;
  }

  private simpleUser(login: string, type: 'User' | 'Bot'): Json {
    const id = this.userId(login);
    const base = `https://api.github.com/users/${encodeURIComponent(login)}`;
    return {
      login,
      id,
      node_id: `U_${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: base,
      html_url: `https://github.com/${encodeURIComponent(login)}`,
      followers_url: `${base}/followers`,
      following_url: `${base}/following{/other_user}`,
      gists_url: `${base}/gists{/gist_id}`,
      starred_url: `${base}/starred{/owner}{/repo}`,
      subscriptions_url: `${base}/subscriptions`,
      organizations_url: `${base}/orgs`,
      repos_url: `${base}/repos`,
      events_url: `${base}/events{/privacy}`,
      received_events_url: `${base}/received_events`,
      type,
      site_admin: false,
    };
  }

  private privateUser(login: string): Json {
    const example = this.api.example('private-user-response-with-public-and-private-profile-information');
    return { ...example, ...this.simpleUser(login, 'User'), name: login };
  }

  // --- contents and git data ----------------------------------------------------------------

  private getContent(path: string, ref: string): Reply {
    if (!this.git.branches.has(ref)) return error(404, `No commit found for the ref ${ref}`);
    const file = this.git.readFile(ref, path);
    if (!file) return error(404, 'Not Found');
    const json = this.api.example('content-file-response-if-content-is-a-file');
    // Like GitHub: files over 1 MB come without content (encoding "none"); read them as blobs.
    const tooLarge = file.content.length > 1024 * 1024;
    const base64 = file.content.toString('base64');
    return {
      status: 200,
      body: {
        ...json,
        type: 'file',
        encoding: tooLarge ? 'none' : 'base64',
        size: file.content.length,
        name: path.split('/').pop(),
        path,
        content: tooLarge ? '' : (base64.match(/.{1,60}/g) ?? ['']).join('\n'),
        sha: file.sha,
        url: `${this.url}/repos/${this.owner}/${this.repo}/contents/${path}?ref=${ref}`,
        git_url: `${this.url}/repos/${this.owner}/${this.repo}/git/blobs/${file.sha}`,
        html_url: `https://github.com/${this.owner}/${this.repo}/blob/${ref}/${path}`,
        download_url: `https://raw.githubusercontent.com/${this.owner}/${this.repo}/${ref}/${path}`,
        _links: {
          self: `${this.url}/repos/${this.owner}/${this.repo}/contents/${path}?ref=${ref}`,
          git: `${this.url}/repos/${this.owner}/${this.repo}/git/blobs/${file.sha}`,
          html: `https://github.com/${this.owner}/${this.repo}/blob/${ref}/${path}`,
        },
      },
    };
  }

  private putContent(path: string, body: Json, who: FakeToken): Reply {
    if (who.permissions.contents !== 'write')
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' },
      };
    const branch = typeof body.branch === 'string' ? body.branch : this.defaultBranch;
    if (!this.git.branches.has(branch)) return error(404, `Branch ${branch} not found`, true);
    const content = String(body.content);
    if (!/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(content)) return validation('content is not valid Base64');
    const existing = this.git.readFile(branch, path);
    if (existing && body.sha === undefined) return validation('"sha" wasn\'t supplied.');
    if (existing && body.sha !== existing.sha)
      return {
        status: 409,
        body: {
          message: `${path} does not match ${String(body.sha)}`,
          documentation_url: DOCS,
          status: '409',
        },
        validate: true,
      };
    if (!existing && body.sha !== undefined) return validation(`sha does not match a file at ${path}`);
    const { commit, blob } = this.git.writeFile(
      branch,
      path,
      Buffer.from(content, 'base64'),
      String(body.message),
    );
    const created = this.api.example('file-commit-example-for-creating-a-file');
    const fileJson = { ...(this.getContent(path, branch).body as Json) };
    for (const key of ['encoding', 'content']) delete fileJson[key];
    return {
      status: existing ? 200 : 201,
      body: {
        content: { ...fileJson, sha: blob },
        commit: { ...(created.commit as Json), ...this.commitJson(commit.sha) },
      },
    };
  }

  private getRef(ref: string): Reply {
    const name = ref.replace(/^heads\//, '');
    const sha = ref.startsWith('heads/') ? this.git.branches.get(name) : undefined;
    if (!sha) return error(404, 'Not Found');
    return { status: 200, body: this.refJson(`refs/heads/${name}`, sha) };
  }

  private createRef(ref: string, sha: string, who: FakeToken): Reply {
    if (who.permissions.contents !== 'write')
      return error(403, 'Resource not accessible by integration', false);
    if (!/^refs\/[^/]+\/.+/.test(ref)) return validation('Reference name invalid');
    if (!this.git.commits.has(sha)) return validation('Object does not exist');
    const name = ref.replace(/^refs\/heads\//, '');
    if (this.git.branches.has(name)) return validation('Reference already exists');
    this.git.branches.set(name, sha);
    return { status: 201, body: this.refJson(ref, sha) };
  }

  private refJson(ref: string, sha: string): Json {
    return {
      ref,
      node_id: `REF_${sha.slice(0, 8)}`,
      url: `${this.url}/repos/${this.owner}/${this.repo}/git/${ref}`,
      object: { type: 'commit', sha, url: `${this.url}/repos/${this.owner}/${this.repo}/git/commits/${sha}` },
    };
  }

  private createTree(body: Json, who: FakeToken): Reply {
    if (who.permissions.contents !== 'write')
      return error(403, 'Resource not accessible by integration', true);
    const entries = new Map<string, string>();
    if (typeof body.base_tree === 'string') {
      const base = this.git.trees.get(body.base_tree);
      if (!base) return validation('base_tree is not a valid tree');
      for (const [path, blob] of base) entries.set(path, blob);
    }
    for (const item of body.tree as Json[]) {
      if (typeof item.content === 'string')
        entries.set(String(item.path), this.git.putBlob(Buffer.from(item.content)));
      else if (typeof item.sha === 'string' && this.git.blobs.has(item.sha))
        entries.set(String(item.path), item.sha);
      else return validation(`tree.sha ${String(item.sha)} is not a valid blob`);
    }
    const sha = this.git.putTree(entries);
    return {
      status: 201,
      body: {
        sha,
        url: `${this.url}/repos/${this.owner}/${this.repo}/git/trees/${sha}`,
        truncated: false,
        tree: [...entries].map(([path, blob]) => ({
          path,
          mode: '100644',
          type: 'blob',
          sha: blob,
          size: this.git.blobs.get(blob)!.length,
          url: `${this.url}/repos/${this.owner}/${this.repo}/git/blobs/${blob}`,
        })),
      },
    };
  }

  private createCommit(body: Json, who: FakeToken): Reply {
    if (who.permissions.contents !== 'write')
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    const tree = String(body.tree);
    if (!this.git.trees.has(tree)) return validation('Tree SHA does not exist');
    const parents = (body.parents as string[] | undefined) ?? [];
    if (parents.some((parent) => !this.git.commits.has(parent)))
      return validation('Parent SHA does not exist or is not a commit object');
    const commit = this.git.putCommit(tree, parents, String(body.message));
    return { status: 201, body: this.commitJson(commit.sha) };
  }

  private getCommit(sha: string): Reply {
    if (!this.git.commits.has(sha)) return error(404, 'Not Found');
    return { status: 200, body: this.commitJson(sha) };
  }

  private commitJson(sha: string): Json {
    const commit = this.git.commits.get(sha)!;
    const person = {
      name: 'github-actions[bot]',
      email: '41898282+github-actions[bot]@users.noreply.github.com',
      date: commit.date,
    };
    return {
      sha,
      node_id: `C_${sha.slice(0, 8)}`,
      url: `${this.url}/repos/${this.owner}/${this.repo}/git/commits/${sha}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/commit/${sha}`,
      author: person,
      committer: person,
      message: commit.message,
      tree: {
        sha: commit.tree,
        url: `${this.url}/repos/${this.owner}/${this.repo}/git/trees/${commit.tree}`,
      },
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: `${this.url}/repos/${this.owner}/${this.repo}/git/commits/${parent}`,
        html_url: `https://github.com/${this.owner}/${this.repo}/commit/${parent}`,
      })),
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    };
  }

  private getBlob(sha: string): Reply {
    const blob = this.git.blobs.get(sha);
    if (!blob) return error(404, 'Not Found');
    return {
      status: 200,
      body: {
        content: blob.toString('base64'),
        encoding: 'base64',
        url: `${this.url}/repos/${this.owner}/${this.repo}/git/blobs/${sha}`,
        sha,
        size: blob.length,
        node_id: `B_${sha.slice(0, 8)}`,
      },
    };
  }

  // --- checks and pulls -----------------------------------------------------------------------

  private createCheckRun(body: Json, who: FakeToken): Reply {
    // Only GitHub App tokens (GITHUB_TOKEN included) may create check runs.
    if (who.kind !== 'installation')
      return {
        status: 403,
        body: { message: 'You must authenticate via a GitHub App.', documentation_url: DOCS, status: '403' },
      };
    if (who.permissions.checks !== 'write')
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' },
      };
    const output = body.output as Json | undefined;
    if (output && String(output.summary ?? '').length > 65_535) {
      return {
        status: 422,
        body: {
          message: 'Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.',
          documentation_url: DOCS,
          status: '422',
        },
      };
    }
    if (body.conclusion !== undefined && body.status !== undefined && body.status !== 'completed') {
      return {
        status: 422,
        body: {
          message: 'Invalid request.\n\nconclusion requires status completed.',
          documentation_url: DOCS,
          status: '422',
        },
      };
    }
    const example = this.api.example('check-run-example-of-completed-conclusion');
    const id = this.nextId++;
    const run = {
      ...example,
      id,
      name: body.name,
      head_sha: body.head_sha,
      status: body.conclusion ? 'completed' : (body.status ?? 'queued'),
      conclusion: body.conclusion ?? null,
      details_url: body.details_url ?? null,
      output: {
        ...(example.output as Json),
        title: output?.title ?? null,
        summary: output?.summary ?? null,
        text: output?.text ?? null,
        annotations_count: 0,
      },
    };
    this.checkRuns.push(run);
    return { status: 201, body: run };
  }

  private pullsForCommit(sha: string): Reply {
    const [template] = this.api.example('pull-request-simple-items') as unknown as Json[];
    const pulls = this.pullRequests
      .filter((pr) => pr.headSha === sha)
      .map((pr) => {
        const head = template!.head as Json;
        return {
          ...template,
          number: pr.number,
          id: 9000 + pr.number,
          title: pr.title,
          state: pr.state,
          requested_teams: [],
          head: {
            ...head,
            sha: pr.headSha,
            label: `${pr.headRepo.split('/')[0]}:branch`,
            repo: { ...(head.repo as Json), full_name: pr.headRepo },
          },
          base: {
            ...(template!.base as Json),
            repo: { ...((template!.base as Json).repo as Json), full_name: `${this.owner}/${this.repo}` },
          },
        };
      });
    return { status: 200, body: pulls };
  }
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Validate an error response too (when the description documents it). */
  validate?: boolean;
}

function error(status: number, message: string, validate = false): Reply {
  return { status, body: { message, documentation_url: DOCS, status: String(status) }, validate };
}

function validation(message: string): Reply {
  return {
    status: 422,
    body: { message: `Invalid request.\n\n${message}`, documentation_url: DOCS, status: '422' },
    validate: true,
  };
}

function bodyTooLong(): Reply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'custom',
          field: 'body',
          message: 'body is too long (maximum is 65536 characters)',
        },
      ],
      documentation_url: DOCS,
      status: '422',
    },
    validate: true,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Canned fault bodies as GitHub words them. */
export const faults = {
  secondaryLimit: (operationId: string, retryAfter?: number): Fault => ({
    operationId,
    status: 403,
    headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url: DOCS,
    },
  }),
  tooManyRequests: (operationId: string): Fault => ({
    operationId,
    status: 429,
    body: { message: 'Too Many Requests', documentation_url: DOCS },
  }),
  primaryLimit: (operationId: string, resetInSeconds: number): Fault => ({
    operationId,
    status: 403,
    headers: {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + resetInSeconds),
    },
    body: { message: 'API rate limit exceeded for installation ID 1.', documentation_url: DOCS },
  }),
  serverError: (operationId: string, times = 1): Fault => ({
    operationId,
    times,
    status: 502,
    body: { message: 'Server Error' },
  }),
  unprocessable: (operationId: string): Fault => ({
    operationId,
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource: 'Issue', code: 'invalid', field: 'body' }],
      documentation_url: DOCS,
    },
  }),
};
