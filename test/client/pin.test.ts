/** The client's version lives in package.json alone; what is installed and what runs must be exactly that. */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/gitdir.js';
import { describeClient } from './availability.js';
import { CLIENT_LAUNCHER, CLIENT_PACKAGE, installedVersion, pinnedVersion } from './pin.js';

it('package.json pins the client to one exact version, and the lockfile agrees', () => {
  const pin = pinnedVersion();
  expect(pin).toMatch(/^\d+\.\d+\.\d+$/);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  expect(lock.packages[''].devDependencies[CLIENT_PACKAGE]).toBe(pin);
  expect(lock.packages[`node_modules/${CLIENT_PACKAGE}`].version).toBe(pin);
});

describeClient('the installed client', () => {
  it('is the pinned version, and its binary says so', () => {
    const pin = pinnedVersion();
    expect(installedVersion()).toBe(pin);
    const version = spawnSync('node', [CLIENT_LAUNCHER, '--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(`${pin} (Claude Code)`);
  });
});
