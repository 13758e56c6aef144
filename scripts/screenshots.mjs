// Renders the README's pictures with headless Chromium (Debian's `chromium` package):
//   docs/images/demo-report.png  the report of `npm run demo` (.orchestra-perf/report.md)
//   docs/images/pr-comment.png   a PR comment as `compare --format markdown` renders it
//   docs/images/latency.png      the demo's SVG latency chart
// Run `npm run demo` twice first (the second run has a baseline). Markdown becomes HTML with
// `marked` and GitHub-like CSS; Mermaid blocks stay code (no renderer offline).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { marked } from 'marked';

const out = resolve('docs/images');
const work = mkdtempSync(join(tmpdir(), 'screenshots-'));
const css = `body{font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:880px;margin:24px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 10px}th{background:#f6f8fa}
code,pre{font:12px ui-monospace,monospace;background:#f6f8fa}pre{padding:8px;overflow:hidden}details{margin:6px 0}
summary{cursor:pointer;font-weight:600}h3{margin-top:0}sub{color:#59636e}`;

function shoot(name, html, height) {
  const page = join(work, `${name}.html`);
  writeFileSync(page, `<!doctype html><meta charset="utf-8"><style>${css}</style>${html}`);
  execFileSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(work, 'profile')}`,
      `--screenshot=${join(out, `${name}.png`)}`,
      `--window-size=940,${height}`,
      `file://${page}`,
    ],
    { stdio: 'ignore', timeout: 60_000 },
  );
  console.log(`wrote docs/images/${name}.png`);
}

const report = readFileSync('.orchestra-perf/report.md', 'utf8');
shoot('demo-report', marked.parse(report.replace(/<details>/g, '<details open>')), 1500);

const history = JSON.parse(readFileSync('.orchestra-perf/history-local.json', 'utf8')).results;
if (history.length >= 2) {
  writeFileSync(join(work, 'base.json'), JSON.stringify(history.at(-2)));
  writeFileSync(join(work, 'current.json'), JSON.stringify(history.at(-1)));
  const comment = execFileSync(process.execPath, [
    'dist/cli/index.js',
    'compare',
    '--baseline',
    join(work, 'base.json'),
    '--current',
    join(work, 'current.json'),
    '--format',
    'markdown',
    '--environment',
    'preview',
  ]).toString();
  shoot(
    'pr-comment',
    `<div style="border:1px solid #d0d7de;border-radius:6px;padding:16px">${marked.parse(comment)}</div>`,
    1100,
  );
}
shoot('latency', `<img src="file://${resolve('.orchestra-perf/latency.svg')}">`, 360);
