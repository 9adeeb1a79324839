/** Snapshots must be normalised: no host path, temp folder or real commit id may leak into them. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from './helpers/gitdir.js';

function inlineSnapshots(source: string): string[] {
  const found: string[] = [];
  const pattern = /toMatchInlineSnapshot\(\s*`([\s\S]*?)`\s*\)/g;
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) found.push(match[1]!);
  return found;
}

function testFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : testFiles(path);
    return name.endsWith('.test.ts') && name !== 'snapshot-guard.test.ts' ? [path] : [];
  });
}

/** Only the files that hold snapshots: a case per file without any would pass without looking at anything. */
const withSnapshots = testFiles(join(ROOT, 'test'))
  .map((path) => ({ file: relative(ROOT, path), snapshots: inlineSnapshots(readFileSync(path, 'utf8')) }))
  .filter(({ snapshots }) => snapshots.length > 0);
const hostMarkers = [tmpdir(), homedir(), ROOT, '/tmp/', '/Users/', '/private/var/', 'fr-test-'].filter(
  (marker) => marker.length > 1,
);

describe('snapshots carry no host paths', () => {
  it('finds the inline snapshots it guards', () => {
    expect(withSnapshots.flatMap(({ snapshots }) => snapshots).length).toBeGreaterThan(3);
  });

  it.each(withSnapshots.map(({ file, snapshots }) => [file, snapshots] as const))('%s', (_file, snapshots) => {
    for (const snapshot of snapshots) {
      for (const marker of hostMarkers) expect(snapshot, `snapshot contains ${marker}`).not.toContain(marker);
      expect(snapshot, 'snapshot contains a full commit id').not.toMatch(/\b[0-9a-f]{40}\b/);
    }
  });
});
