/**
 * A `.dockerignore` matcher with Docker's semantics (moby/patternmatcher): patterns are relative
 * to the context root (a leading `/` is the root too), `*` and `?` stay within one path segment,
 * `**` spans any number of segments, `!` re-includes, the last matching line wins, and a pattern
 * that matches a directory excludes everything below it. A backslash escapes the next character (`file\[1\].txt`), as on Linux BuildKit.
 */
export interface IgnoreRule {
  pattern: string;
  negate: boolean;
  regex: RegExp;
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    // As in Docker's ignorefile reader: a comment is a line whose very first character is `#`;
    // "  # x" is a pattern.
    if (raw.startsWith('#')) continue;
    let line = raw.trim();
    if (line === '') continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1).trim();
    }
    const pattern = cleanPath(line);
    if (pattern === '') continue;
    rules.push({ pattern, negate, regex: compile(pattern) });
  }
  return rules;
}

/** Is `relativePath` (slash-separated, relative to the context root) left out of the context? */
export function isIgnored(rules: readonly IgnoreRule[], relativePath: string): boolean {
  const path = cleanPath(relativePath);
  const parents = parentPaths(path);
  let ignored = false;
  for (const rule of rules) {
    if (rule.regex.test(path) || parents.some((parent) => rule.regex.test(parent))) ignored = !rule.negate;
  }
  return ignored;
}

/** A pattern that matches exactly this relative path (special characters escaped). */
export function literalPattern(relativePath: string): string {
  return relativePath.replace(/[*?[\]\\]/g, '\\$&').replace(/^([#!])/, '\\$1');
}

/** Like Go's filepath.Clean on a slash path, relative to the root: no leading `/`, no `.`, `..` resolved. */
function cleanPath(path: string): string {
  const out: string[] = [];
  // Only `/` separates: on Linux a backslash is an escape in patterns and a character in names.
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function parentPaths(path: string): string[] {
  const parts = path.split('/');
  const parents: string[] = [];
  for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
  return parents;
}

function compile(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` is `**`: any number of segments, including none.
        if (pattern[i + 1] === '/') i++;
        source += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
      } else {
        source += '[^/]*';
      }
    } else if (ch === '?') {
      source += '[^/]';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      source += `[${body.replace(/\\(?!.)/g, '\\\\')}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < pattern.length) {
      i++;
      source += escapeRegex(pattern[i]!);
    } else {
      source += escapeRegex(ch);
    }
  }
  return new RegExp(`^${source}$`);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
