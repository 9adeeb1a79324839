import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import {
  readManifest,
  updateManifest,
  lockPathFor,
  MANIFEST_LOCK,
  MAX_MANIFEST_BYTES,
} from '../scripts/store/manifest-store.js';
import { acquireLock, releaseLock } from '../scripts/lib/lock.js';
import { generateValidators, GENERATED_PATH } from '../scripts/gen-validators.js';

let dir: string;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'fr-manifest-')));

const entry = (id: string) => ({
  id,
  branch: `session/${id}`,
  worktree: `../p-sessions/${id}`,
  startedAt: '2026-01-15T10:00:00Z',
  sessionLog: null,
  goals: [],
  status: 'active' as const,
  base: { branch: 'main', commit: 'a'.repeat(40) },
});

describe('manifest store', () => {
  it('reads a missing manifest as empty', () => {
    expect(readManifest(join(fresh(), 'm.json'), 'p')).toEqual({ version: 1, project: 'p', sessions: [] });
  });

  it.each([
    ['not JSON', '{nope', /not valid JSON/],
    ['an unknown version', '{"version": 2, "project": "p", "sessions": []}', /version 2/],
    ['a missing field', '{"version": 1, "sessions": []}', /must have required property 'project'/],
    ['a wrong type', '{"version": 1, "project": "p", "sessions": {}}', /\/sessions must be array/],
    ['a bad entry', `{"version": 1, "project": "p", "sessions": [{"id": "../x"}]}`, /\/sessions\/0/],
  ])('refuses %s and names the problem', (_label, content, problem) => {
    const path = join(fresh(), 'm.json');
    writeFileSync(path, content);
    expect(() => readManifest(path, 'p')).toThrow(problem);
  });

  it('refuses a symlink in place of the manifest', () => {
    const path = join(fresh(), 'm.json');
    writeFileSync(join(dir, 'real.json'), '{"version":1,"project":"p","sessions":[]}');
    symlinkSync(join(dir, 'real.json'), path);
    expect(() => readManifest(path, 'p')).toThrow(/symbolic link/);
  });

  it('refuses an oversized manifest without reading it', () => {
    const path = join(fresh(), 'm.json');
    writeFileSync(path, ' '.repeat(MAX_MANIFEST_BYTES + 1));
    expect(() => readManifest(path, 'p')).toThrow(/over the .*-byte limit/);
  });

  it('refuses to write an update that breaks the schema, leaving the old manifest', async () => {
    const path = join(fresh(), 'm.json');
    await updateManifest(path, 'p', (m) => {
      m.sessions.push(entry('a'));
    });
    const before = readFileSync(path, 'utf8');
    await expect(
      updateManifest(path, 'p', (m) => {
        (m.sessions[0] as any).status = 'weird';
      }),
    ).rejects.toThrow(/invalid manifest/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['m.json']);
  });

  it('takes over a lock left by a dead process', async () => {
    const path = join(fresh(), 'm.json');
    const child = spawn('node', ['-e', '0']);
    await new Promise((resolve) => child.on('close', resolve));
    writeFileSync(
      lockPathFor(path),
      JSON.stringify({ pid: child.pid, host: hostname(), nonce: 'dead', acquiredAt: new Date().toISOString() }),
    );
    await updateManifest(path, 'p', (m) => {
      m.sessions.push(entry('after-takeover'));
    });
    expect(readManifest(path, 'p').sessions.map((s) => s.id)).toEqual(['after-takeover']);
    expect(existsSync(lockPathFor(path))).toBe(false);
  });

  it('waits for a live holder and reports it when the wait runs out', async () => {
    const path = join(fresh(), 'm.json');
    const held = await acquireLock(lockPathFor(path), MANIFEST_LOCK);
    await expect(acquireLock(lockPathFor(path), { ...MANIFEST_LOCK, timeoutMs: 200 })).rejects.toThrow(
      `The lock on the session manifest is held by pid ${process.pid}`,
    );
    releaseLock(held);
    const again = await acquireLock(lockPathFor(path), { ...MANIFEST_LOCK, timeoutMs: 200 });
    releaseLock(again);
  });

  it('the generated validators match the schemas (run `npm run gen` if not)', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generateValidators());
  });
});
