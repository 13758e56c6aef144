/**
 * What the current buildx builder can do, read from `docker buildx inspect` output. Pure, so the
 * capability rules are tested with recorded outputs of each driver.
 */
export interface BuilderInfo {
  name: string;
  driver: string;
  status: string | undefined;
  buildkitVersion: string | undefined;
  platforms: string[];
}

export interface BuilderCapabilities {
  /** `--cache-to` of type registry/gha/local with mode=max: every driver except plain `docker`. */
  cacheExport: boolean;
  /** `type=gha` needs cache export (and the Actions cache service, checked separately). */
  gha: boolean;
  /** Several `--platform` values in one build (needs a BuildKit that builds manifest lists). */
  multiPlatform: boolean;
}

export function parseBuildxInspect(text: string): BuilderInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    // Top-level and node fields are `Key: value`; the first occurrence wins (builder before node).
    const match = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line);
    if (match && !fields.has(match[1]!)) fields.set(match[1]!, match[2]!.trim());
  }
  const driver = fields.get('Driver');
  if (!driver) throw new Error(`no "Driver:" line in docker buildx inspect output: ${text.slice(0, 200)}`);
  const platforms = (fields.get('Platforms') ?? '')
    .split(',')
    .map((platform) => platform.trim().replace(/\*$/, ''))
    .filter(Boolean);
  return {
    name: fields.get('Name') ?? 'default',
    driver,
    status: fields.get('Status') || undefined,
    buildkitVersion: fields.get('BuildKit version') || fields.get('Buildkit') || undefined,
    platforms,
  };
}

export function builderCapabilities(builder: BuilderInfo): BuilderCapabilities {
  // The `docker` driver runs BuildKit inside dockerd: it can import any cache but export only
  // inline, and it stores single-platform images. docker-container, kubernetes and remote
  // drivers run a full BuildKit.
  const fullBuildkit = builder.driver !== 'docker';
  return { cacheExport: fullBuildkit, gha: fullBuildkit, multiPlatform: fullBuildkit };
}
