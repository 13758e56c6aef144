import { describe, expect, it } from 'vitest';
import { parseMetadata } from '../../../src/stages/image/metadata.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;

describe('buildx metadata file', () => {
  it('reads containerimage.digest', () => {
    const text = JSON.stringify({
      'containerimage.digest': DIGEST,
      'containerimage.config.digest': `sha256:${'d'.repeat(64)}`,
    });
    expect(parseMetadata(text, '/m.json')).toEqual({
      digest: DIGEST,
      configDigest: `sha256:${'d'.repeat(64)}`,
    });
  });

  it('fails without a digest: never a mutable tag', () => {
    expect(() => parseMetadata(undefined, '/m.json')).toThrow(
      /no metadata file at \/m\.json.*refusing to go on with a mutable tag/,
    );
    expect(() => parseMetadata('{"image.name":"r/app:staging"}', '/m.json')).toThrow(
      /containerimage\.digest is absent/,
    );
    expect(() => parseMetadata('{"containerimage.digest":"r/app:latest"}', '/m.json')).toThrow(
      /"r\/app:latest"/,
    );
    expect(() => parseMetadata('not json', '/m.json')).toThrow(/no image digest/);
  });
});
