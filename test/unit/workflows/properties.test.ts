/** Every starter template has a well-formed `.properties.json`, and every such file has a template. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { templateFiles, templatesDir } from './files.js';
import { templateProperties } from './template-properties.js';

const propertiesFiles = readdirSync(templatesDir).filter((name) => name.endsWith('.properties.json'));

describe('starter template properties', () => {
  it.each(templateFiles.map((f) => [f.name] as const))('%s has a valid .properties.json', (name) => {
    const path = join(templatesDir, name.replace(/\.ya?ml$/, '.properties.json'));
    expect(existsSync(path), `${path} is missing`).toBe(true);
    const parsed = templateProperties.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    const icon = parsed.data?.iconName ?? '';
    if (!icon.startsWith('octicon ')) expect(existsSync(join(templatesDir, `${icon}.svg`))).toBe(true);
  });

  it('has no properties file without its template', () => {
    const templates = new Set(templateFiles.map((f) => f.name.replace(/\.ya?ml$/, '')));
    expect(
      propertiesFiles.map((f) => f.replace(/\.properties\.json$/, '')).filter((f) => !templates.has(f)),
    ).toEqual([]);
    expect(propertiesFiles.length).toBe(templateFiles.length);
  });

  it('names every template differently', () => {
    const names = propertiesFiles.map((f) => JSON.parse(readFileSync(join(templatesDir, f), 'utf8')).name);
    expect(new Set(names).size).toBe(names.length);
  });

  describe('the shape check rejects', () => {
    const good = { name: 'n', description: 'd', iconName: 'octicon rocket', categories: ['Deployment'] };
    it.each([
      ['a missing name', { ...good, name: undefined }],
      ['an empty description', { ...good, description: ' ' }],
      ['an icon that is a path', { ...good, iconName: '../icon.svg' }],
      ['no categories', { ...good, categories: [] }],
      ['categories as a string', { ...good, categories: 'Deployment' }],
      ['an invalid file pattern', { ...good, filePatterns: ['(('] }],
      ['an unknown key', { ...good, labels: ['x'] }],
    ])('%s', (_name, value) => {
      expect(templateProperties.safeParse(value).success).toBe(false);
    });

    it('and accepts the minimal good shape', () => {
      expect(templateProperties.safeParse(good).success).toBe(true);
    });
  });
});
