/**
 * Whether the real-client layer can run here, and what happens when it cannot. `npm test` skips it with the reason
 * printed; FLIGHT_RULES_CLIENT_TESTS=require (set by .ci/run) turns every reason into a failure, and
 * FLIGHT_RULES_CLIENT_TESTS=skip skips the layer on purpose. A client installed at another version than the pin is
 * always a failure.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { CLIENT_LAUNCHER, CLIENT_PACKAGE, installedVersion, pinnedVersion } from './pin.js';

export const REQUIRE_ENV = 'FLIGHT_RULES_CLIENT_TESTS';

export type Availability = { ok: true } | { ok: false; reason: string; fatal: boolean };

let cached: Availability | undefined;

export function clientAvailability(): Availability {
  return (cached ??= check());
}

function check(): Availability {
  if (process.env[REQUIRE_ENV] === 'skip') return { ok: false, reason: `${REQUIRE_ENV}=skip`, fatal: false };
  const pin = pinnedVersion();
  const installed = installedVersion();
  if (installed === null) return { ok: false, reason: `${CLIENT_PACKAGE} is not installed (run npm ci)`, fatal: false };
  if (installed !== pin) {
    return {
      ok: false,
      reason: `${CLIENT_PACKAGE} ${installed} is installed but package.json pins ${pin} (run npm ci)`,
      fatal: true,
    };
  }
  const version = spawnSync('node', [CLIENT_LAUNCHER, '--version'], { encoding: 'utf8', timeout: 30_000 });
  if (version.status !== 0 || !version.stdout.startsWith(`${pin} `)) {
    return {
      ok: false,
      reason: `the installed client does not run: \`node ${CLIENT_LAUNCHER} --version\` exited ${version.status} with ${JSON.stringify((version.stdout + version.stderr).trim().slice(0, 300))}`,
      fatal: false,
    };
  }
  const namespace = spawnSync('unshare', ['-n', 'ip', 'link', 'set', 'lo', 'up'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (namespace.status !== 0) {
    return {
      ok: false,
      reason: `\`unshare -n ip link set lo up\` fails here (${(namespace.error?.message ?? namespace.stderr).trim()}), and the client must run without network`,
      fatal: false,
    };
  }
  return { ok: true };
}

/**
 * `describe` for a suite that drives the real client: runs it when the client can run, else reports why not, as a
 * skipped test named after the reason (and on the console), or as a failing test when the reason is fatal or the
 * environment requires the client tests.
 */
export function describeClient(name: string, body: () => void): void {
  const availability = clientAvailability();
  if (availability.ok) {
    describe(name, body);
    return;
  }
  const required = process.env[REQUIRE_ENV] === 'require';
  describe(name, () => {
    if (availability.fatal || required) {
      it(`needs the real Claude Code client: ${availability.reason}`, () => {
        throw new Error(`${availability.reason}${required ? ` (${REQUIRE_ENV}=require)` : ''}`);
      });
    } else {
      console.warn(
        `[client tests] skipped "${name}": ${availability.reason}. Set ${REQUIRE_ENV}=require to make this a failure.`,
      );
      it.skip(`skipped: ${availability.reason}`, () => {});
    }
  });
}
