/**
 * The only file-system reads of planning: which lockfiles exist and what the key files hold.
 * Keeps plan.ts pure.
 */
import type { Config } from '../../config/schema.js';
import { detectLayers } from './detect.js';
import { readKeyFiles } from './key-files.js';
import type { Platform } from './layers.js';
import type { ScannedLayer } from './plan.js';

export function scanLayers(
  root: string,
  cache: Config['cache'],
  platform: Platform,
): { auto: ScannedLayer[]; user: ScannedLayer[] } {
  const auto = cache.auto
    ? detectLayers(root, platform).map((layer) => ({
        name: layer.name,
        paths: layer.paths,
        keyFiles: readKeyFiles(root, layer.keyFiles),
        source: 'auto' as const,
        field: `cache (auto layer ${layer.name})`,
      }))
    : [];
  const user = cache.layers.map((layer, index) => ({
    name: layer.name,
    paths: layer.paths,
    keyFiles: readKeyFiles(root, layer['key-files']),
    source: 'config' as const,
    field: `cache.layers[${index}]`,
  }));
  return { auto, user };
}
