import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from '../../../src/adapters/atomic-file.js';

describe('writeFileAtomic', () => {
  it('leaves one complete version under concurrent writers and no temp files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'history.json');
    const payloads = Array.from({ length: 20 }, (_, i) => ({ writer: i, data: 'x'.repeat(100_000) }));
    await Promise.all(payloads.map((payload) => writeJsonAtomic(path, payload)));
    const final = JSON.parse(readFileSync(path, 'utf8'));
    expect(final.data).toHaveLength(100_000);
    expect(readdirSync(dir)).toEqual(['history.json']);
  });

  it('keeps the old content when the write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'baseline.json');
    await writeFileAtomic(path, 'old');
    await expect(writeFileAtomic(join(path, 'not-a-dir'), 'new')).rejects.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('old');
  });
});
