/**
 * The fake's repository contents: blobs, flat trees, commits and branches with git's own SHA-1
 * object ids, so contents-API SHAs behave like GitHub's (same bytes, same blob sha).
 */
import { createHash } from 'node:crypto';

export interface FakeCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  date: string;
}

export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  /** tree sha -> path -> blob sha (trees are flat maps; enough for the paths the action writes). */
  readonly trees = new Map<string, Map<string, string>>();
  readonly commits = new Map<string, FakeCommit>();
  readonly branches = new Map<string, string>();
  private tick = 0;

  constructor(readonly startTime = Date.parse('2026-01-01T00:00:00Z')) {}

  putBlob(content: Buffer): string {
    const sha = gitHash('blob', content);
    this.blobs.set(sha, content);
    return sha;
  }

  putTree(entries: Map<string, string>): string {
    const listing = [...entries.entries()].sort(([a], [b]) => a.localeCompare(b));
    const sha = gitHash(
      'tree',
      Buffer.from(listing.map(([path, blob]) => `100644 ${path}\0${blob}`).join('')),
    );
    this.trees.set(sha, new Map(listing));
    return sha;
  }

  putCommit(tree: string, parents: string[], message: string, date?: string): FakeCommit {
    const when = date ?? new Date(this.startTime + ++this.tick * 1000).toISOString();
    const sha = gitHash(
      'commit',
      Buffer.from(`tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join('')}date ${when}\n\n${message}`),
    );
    const commit = { sha, tree, parents, message, date: when };
    this.commits.set(sha, commit);
    return commit;
  }

  /** Path -> blob sha at a branch head, or undefined when the branch does not exist. */
  filesAt(branch: string): Map<string, string> | undefined {
    const head = this.branches.get(branch);
    if (!head) return undefined;
    return this.trees.get(this.commits.get(head)!.tree)!;
  }

  readFile(branch: string, path: string): { sha: string; content: Buffer } | undefined {
    const sha = this.filesAt(branch)?.get(path);
    return sha ? { sha, content: this.blobs.get(sha)! } : undefined;
  }

  /** Commits one file change on a branch (what the contents API does). */
  writeFile(
    branch: string,
    path: string,
    content: Buffer,
    message: string,
  ): { commit: FakeCommit; blob: string } {
    const files = new Map(this.filesAt(branch) ?? []);
    const blob = this.putBlob(content);
    files.set(path, blob);
    const head = this.branches.get(branch);
    const commit = this.putCommit(this.putTree(files), head ? [head] : [], message);
    this.branches.set(branch, commit.sha);
    return { commit, blob };
  }
}

export function gitHash(type: string, content: Buffer): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}
