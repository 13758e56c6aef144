/**
 * Parses an OCI image reference the way the distribution reference grammar does:
 * `[registry[:port]/]path[:tag][@algorithm:hex]`, path components lowercase.
 */
export interface ImageRef {
  registry: string | undefined;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const REGISTRY =
  /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|\[[0-9a-fA-F:]+\]|[a-zA-Z0-9-]+)(?::\d{1,5})?$/;

export function parseImageRef(text: string): ImageRef | { error: string } {
  if (text !== text.trim() || text === '')
    return { error: 'an image reference has no spaces and is not empty' };
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { error: `digest "${digest}" is not sha256:<64 hex characters>` };
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { error: `tag "${tag}" has characters a tag cannot have` };
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = parts.shift();
    if (!registry || !REGISTRY.test(registry))
      return { error: `registry "${registry}" is not a host[:port]` };
  }
  if (parts.length === 0 || parts.some((part) => !COMPONENT.test(part))) {
    return {
      error: `repository "${parts.join('/')}" must be lowercase letters, digits and . _ - separators`,
    };
  }
  return { registry, repository: parts.join('/'), tag, digest };
}

export function formatImageRef(ref: ImageRef): string {
  const name = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
  return `${name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
