import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import {
  commentMarker,
  escapeText,
  link,
  markerName,
  safeUrl,
  shortSha,
} from '../../../src/report/escape.js';

const HOSTILE = [
  '$(id)',
  '"><script>alert(1)</script>',
  '`rm -rf /`',
  'a | b | c',
  '<!-- orchestra-perf:prod -->',
  '[click](javascript:alert(1))',
  '![x](https://evil.example/x.png)',
  '@org/everyone',
  '**bold** _it_ ~~s~~',
  '$$\\sqrt{x}$$',
  'line1\nline2\r\n# heading',
  '&lt;b&gt; entity',
  '\u202eevil\u0000',
];

describe('escapeText', () => {
  it.each(HOSTILE)('renders %j as its literal characters in a table cell', (value) => {
    const cell = escapeText(value);
    expect(cell).not.toMatch(/[<>`|$[\]\n\r"'@!*_~]/);
    const html = marked.parse(`| a | b |\n|---|---|\n| ${cell} | x |\n`, { async: false }) as string;
    // One row, two cells: the value never adds a column, a tag, a link or a comment.
    expect(html.match(/<td>/g)?.length).toBe(2);
    expect(html).not.toMatch(/<script|<img|<a |<!--|<strong|<em|<h1|<del|<code/);
  });

  it('keeps ordinary text readable and caps the length', () => {
    expect(escapeText('build-app (v2)')).toBe('build-app (v2)');
    expect(escapeText('x'.repeat(500), 20)).toHaveLength(20);
    expect(escapeText(undefined)).toBe('');
  });
});

describe('links and SHAs', () => {
  it('links https URLs only, with unsafe characters percent-encoded', () => {
    expect(safeUrl('https://github.com/o/r/actions/runs/1')).toBe('https://github.com/o/r/actions/runs/1');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('http://insecure.example')).toBeNull();
    expect(safeUrl('https://user:pw@example.com')).toBeNull();
    expect(safeUrl('https://e.example/a)b"<c>')).toBe('https://e.example/a%29b%22%3Cc%3E');
    expect(link('run', 'javascript:alert(1)')).toBe('run');
    expect(link('run', 'https://e.example/)[x](y')).toBe('[run](https://e.example/%29%5Bx%5D%28y)');
  });

  it('shows hex SHAs as code and anything else escaped', () => {
    expect(shortSha('3f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b')).toBe('`3f2a9c1`');
    expect(shortSha('`$(id)`')).toBe('&#96;&#36;(id)&#96;');
  });
});

describe('commentMarker', () => {
  it('can never close its comment or differ between writer and finder', () => {
    expect(commentMarker('staging')).toBe('<!-- orchestra-perf:staging -->');
    expect(markerName('prod --> <script>')).toBe('prod------script-');
    expect(commentMarker('a-->b')).not.toMatch(/-->b/);
    expect(markerName('')).toBe('default');
  });
});
