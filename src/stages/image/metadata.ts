/**
 * The digest comes only from buildx's metadata file (`containerimage.digest`): a build that did not
 * report one fails here, so nothing downstream can fall back to a mutable tag.
 */
import { ExitCode, OrchestraError } from '../../errors.js';

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface BuildMetadata {
  digest: string;
  configDigest: string | undefined;
}

export function parseMetadata(text: string | undefined, metadataFile: string): BuildMetadata {
  let data: Record<string, unknown> = {};
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        data = parsed as Record<string, unknown>;
    } catch {
      // handled below as "no digest"
    }
  }
  const digest = data['containerimage.digest'];
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    throw new OrchestraError(
      `buildx reported no image digest (${text === undefined ? `no metadata file at ${metadataFile}` : `containerimage.digest is ${JSON.stringify(digest) ?? 'absent'}`}); refusing to go on with a mutable tag`,
      ExitCode.gateFailed,
      'use docker buildx 0.9 or newer with --push so the pushed digest is reported, then re-run',
    );
  }
  const configDigest = data['containerimage.config.digest'];
  return { digest, configDigest: typeof configDigest === 'string' ? configDigest : undefined };
}
