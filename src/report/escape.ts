/**
 * Making outside-world text inert in GitHub Markdown. PR titles, paths, task names, URLs and error
 * text come from people we do not trust; rendered through these helpers they show as the literal
 * characters and can neither inject HTML, break a table, open a code span, mention someone, start a
 * math block nor hide content in a comment.
 */

/**
 * Characters that mean something inline in Markdown, GitHub Markdown (tables, math, mentions,
 * autolinks, emoji) or HTML, written as numeric entities. Escaped text is never placed at the
 * start of a line, so line-start syntax (`-`, `+`, `=`) stays readable; parentheses only form a
 * link after `]`, which is escaped.
 */
const SPECIAL = /[&<>"'`|$*_[\]#!~\\{}@:]/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/g;

/** Inline text for tables, headings, summaries and <details> titles: one line, at most `max` characters. */
export function escapeText(value: unknown, max = 200): string {
  let text = typeof value === 'string' ? value : String(value ?? '');
  text = text.replace(/\r\n|[\r\n\t]/g, ' ').replace(CONTROL, '');
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return text.replace(SPECIAL, (char) => `&#${char.charCodeAt(0)};`);
}

/** A URL fit for a Markdown link target: https only, characters outside a safe set percent-encoded. */
export function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2000) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return null;
  return url.href.replace(/[^A-Za-z0-9\-._~:/?#=&%+,;@]/g, (char) =>
    Array.from(
      new TextEncoder().encode(char),
      (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join(''),
  );
}

/** A Markdown link when the URL is safe, else the escaped text alone. */
export function link(text: string, url: unknown): string {
  const href = safeUrl(url);
  return href ? `[${escapeText(text)}](${href})` : escapeText(text);
}

/** A commit SHA shown as code: hex only, shortened; anything else is escaped text. */
export function shortSha(value: unknown): string {
  return typeof value === 'string' && /^[0-9a-f]{7,64}$/i.test(value)
    ? `\`${value.slice(0, 7)}\``
    : escapeText(value, 80);
}

/**
 * The environment name as it appears in the hidden marker: letters, digits, `.`, `_` and `-`
 * only, so the marker can never close its HTML comment or differ between writer and finder.
 */
export function markerName(environment: string): string {
  const cleaned = environment.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100);
  return cleaned === '' ? 'default' : cleaned;
}

/** The hidden marker that finds this environment's sticky comment. */
export function commentMarker(environment: string): string {
  return `<!-- orchestra-perf:${markerName(environment)} -->`;
}
