/** Snapshots must be normalised: no host path, temp folder or real commit id may leak into them. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/gitdir.js';

function inlineSnapshots(source: string): string[] {
  const found: string[] = [];
  const pattern = /toMatchInlineSnapshot\(\s*`([\s\S]*?)`\s*\)/g;
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) found.push(match[1]!);
  return found;
}

const files = readdirSync(join(ROOT, 'test')).filter((name) => name.endsWith('.test.ts') && name !== 'snapshot-guard.test.ts');
const hostMarkers = [tmpdir(), homedir(), ROOT, '/tmp/', '/Users/', '/private/var/', 'fr-test-'].filter((marker) => marker.length > 1);

describe('snapshots carry no host paths', () => {
  it('finds the inline snapshots it guards', () => {
    expect(files.flatMap((file) => inlineSnapshots(readFileSync(join(ROOT, 'test', file), 'utf8'))).length).toBeGreaterThan(3);
  });

  it.each(files)('%s', (file) => {
    for (const snapshot of inlineSnapshots(readFileSync(join(ROOT, 'test', file), 'utf8'))) {
      for (const marker of hostMarkers) expect(snapshot, `snapshot contains ${marker}`).not.toContain(marker);
      expect(snapshot, 'snapshot contains a full commit id').not.toMatch(/\b[0-9a-f]{40}\b/);
    }
  });
});
