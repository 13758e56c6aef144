/**
 * The fork-safe hand-over (SECURITY.md item 12): an untrusted PR run writes its result and a small
 * metadata file into a directory that the workflow uploads as an artifact; the trusted
 * `workflow_run` commenter downloads it and reads it back here as untrusted data: only the two
 * known file names, regular files only (no links, no sub-directories, no `../`), a size cap, the
 * metadata checked against a strict schema and the result through the result validator, and the
 * two must agree (same commit, same environment).
 */
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { MAX_RESULT_BYTES, validateResultText } from '../../report/validate-result.js';
import type { PerfResult } from '../../result.js';

export const ARTIFACT_RESULT_FILE = 'perf-result.json';
export const ARTIFACT_METADATA_FILE = 'metadata.json';
export const RESULT_SIZE_CAP = MAX_RESULT_BYTES;
export const METADATA_SIZE_CAP = 4 * 1024;

export const artifactMetadataSchema = z.strictObject({
  schemaVersion: z.literal(1),
  prNumber: z.number().int().positive().max(1e9),
  headSha: z.string().regex(/^[0-9a-f]{40}$/, 'a 40-character hex commit SHA'),
  environment: z.string().regex(/^[\w-]{1,100}$/, 'letters, digits, _ and - only'),
});
export type ArtifactMetadata = z.infer<typeof artifactMetadataSchema>;

export async function writeArtifact(
  dir: string,
  result: PerfResult,
  metadata: ArtifactMetadata,
): Promise<void> {
  const checked = artifactMetadataSchema.parse(metadata);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ARTIFACT_RESULT_FILE), `${JSON.stringify(result)}\n`, { mode: 0o644 });
  await writeFile(join(dir, ARTIFACT_METADATA_FILE), `${JSON.stringify(checked)}\n`, { mode: 0o644 });
}

export class ArtifactRejected extends UsageError {
  constructor(reason: string) {
    super(
      `artifact rejected: ${reason}`,
      'the artifact must come from an orchestra-perf run of this pull request; nothing was posted',
    );
  }
}

export interface ReadArtifact {
  metadata: ArtifactMetadata;
  /** Validated: numbers are finite and in range, strings bounded, no unknown keys. */
  result: PerfResult;
}

export async function readArtifact(dir: string): Promise<ReadArtifact> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ArtifactRejected(`${dir} is not a directory`);
  const entries = await readdir(dir, { withFileTypes: true });
  const allowed = new Set([ARTIFACT_RESULT_FILE, ARTIFACT_METADATA_FILE]);
  for (const entry of entries) {
    if (!allowed.has(entry.name))
      throw new ArtifactRejected(`unexpected entry ${JSON.stringify(entry.name.slice(0, 100))}`);
    if (!entry.isFile()) throw new ArtifactRejected(`${entry.name} is not a regular file`);
  }
  const metadataText = await readCapped(join(dir, ARTIFACT_METADATA_FILE), METADATA_SIZE_CAP);
  const resultText = await readCapped(join(dir, ARTIFACT_RESULT_FILE), RESULT_SIZE_CAP);
  const parsed = artifactMetadataSchema.safeParse(parseJson(metadataText, ARTIFACT_METADATA_FILE));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ArtifactRejected(
      `${ARTIFACT_METADATA_FILE}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'invalid'}`,
    );
  }
  const validated = validateResultText(resultText, ARTIFACT_RESULT_FILE);
  if (!validated.ok) {
    const [first] = validated.issues;
    throw new ArtifactRejected(`${first?.field ?? ARTIFACT_RESULT_FILE}: ${first?.message ?? 'invalid'}`);
  }
  const result = validated.result;
  if (result.meta.commit !== parsed.data.headSha)
    throw new ArtifactRejected(
      `the result is for commit ${JSON.stringify(result.meta.commit.slice(0, 40))}, not ${parsed.data.headSha}`,
    );
  if (result.meta.environment !== parsed.data.environment)
    throw new ArtifactRejected('the result and the metadata name different environments');
  return { metadata: parsed.data, result };
}

async function readCapped(path: string, cap: number): Promise<string> {
  const info = await lstat(path).catch(() => undefined);
  const name = path.split('/').pop();
  if (!info) throw new ArtifactRejected(`${name} is missing`);
  if (!info.isFile()) throw new ArtifactRejected(`${name} is not a regular file`);
  if (info.size > cap) throw new ArtifactRejected(`${name} is ${info.size} bytes, over the ${cap}-byte cap`);
  return readFile(path, 'utf8');
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ArtifactRejected(`${name} is not JSON`);
  }
}
