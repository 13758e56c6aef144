// Keeps the README's inputs/outputs tables equal to action.yml.
//   node scripts/readme-inputs.mjs --write   regenerate the tables in README.md
//   node scripts/readme-inputs.mjs --check   exit 1 when README.md is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const START = '<!-- action-io:start (generated from action.yml by `npm run docs`; do not edit) -->';
const END = '<!-- action-io:end -->';

const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ')
    .trim();

export function renderActionTables(actionYaml) {
  const action = parse(actionYaml);
  const groups = new Map();
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    const stage = /^(cache|build|image|deploy|smoke|report)-/.exec(name)?.[1] ?? 'general';
    if (!groups.has(stage)) groups.set(stage, []);
    groups.get(stage).push([name, input]);
  }
  const lines = [START, ''];
  for (const [stage, inputs] of groups) {
    lines.push(`#### ${stage} inputs`, '', '| input | description |', '|---|---|');
    for (const [name, input] of inputs) lines.push(`| \`${name}\` | ${cell(input.description)} |`);
    lines.push('');
  }
  lines.push('#### outputs', '', '| output | description |', '|---|---|');
  for (const [name, output] of Object.entries(action.outputs ?? {}))
    lines.push(`| \`${name}\` | ${cell(output.description)} |`);
  lines.push('', END);
  return lines.join('\n');
}

export function updateReadme(readme, actionYaml) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} block`);
  return readme.slice(0, start) + renderActionTables(actionYaml) + readme.slice(end + END.length);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = readFileSync('README.md', 'utf8');
  const updated = updateReadme(readme, readFileSync('action.yml', 'utf8'));
  if (process.argv.includes('--write')) {
    writeFileSync('README.md', updated);
  } else if (updated !== readme) {
    console.error('README.md inputs/outputs differ from action.yml. Fix: npm run docs');
    process.exit(1);
  }
}
