/** The installer on real temporary projects: run in-process (one run goes through `tsx install.ts` as users run it). */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  existsSync,
  join,
  makeRepo,
  mkdirSync,
  readFileSync,
  ROOT,
  snapshot,
  writeFileSync,
  type Repo,
} from './helpers/gitdir.js';
import { main } from '../scripts/install/main.js';
import { CURSOR_INTRO, isBangLine, missingHelperNote } from '../scripts/install/command-text.js';
import { packSettings, PROJECT_HELPER_DENY } from '../scripts/install/settings.js';

let repo: Repo;
const extra: string[] = [];
afterEach(() => {
  repo?.cleanup();
  for (const dir of extra.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function install(args: string[], options: { cwd?: string; home?: string } = {}): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(args, {
    cwd: options.cwd ?? repo.main,
    env: { ...repo.env, HOME: options.home ?? join(repo.root, 'home') },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { exitCode, stdout, stderr: stderr.replaceAll(repo.root, '<root>') };
}

const COMMANDS = [
  'dev-session.end.md',
  'dev-session.start.md',
  'parallel.cleanup.md',
  'parallel.land.md',
  'parallel.overview.md',
  'parallel.status.md',
  'parallel.sync.md',
];
const read = (path: string) => readFileSync(join(repo.main, path), 'utf8');
const settings = () => JSON.parse(read('.claude/settings.json'));

describe('install into a project', () => {
  it('installs the commands, the runtime, hooks, permissions and the progress.md merge rule', async () => {
    repo = makeRepo();
    const result = await install([]);
    expect(result.exitCode).toBe(0);
    expect(
      readdirSync(join(repo.main, '.claude/commands'))
        .filter((file) => file.endsWith('.md'))
        .sort(),
    ).toEqual(COMMANDS);
    // Claude Code lists every .md below commands/ as a command: the runtime folder must hold none.
    expect(readdirSync(join(repo.main, '.claude/commands/flight-rules')).sort()).toEqual([
      'hook-code.cjs',
      'hook.cjs',
      'install-manifest.json',
      'session-code.cjs',
      'session.mjs',
    ]);
    const status = read('.claude/commands/parallel.status.md');
    expect(status).toContain(
      `!\`node "\${CLAUDE_PROJECT_DIR}/.claude/commands/flight-rules/session.mjs" status 2>/dev/null || echo "${missingHelperNote('project')}"\``,
    );
    expect(status).not.toContain('CLAUDE_PLUGIN_ROOT');

    const hooks = settings().hooks;
    expect(hooks.SessionStart[0].hooks[0].command).toBe(
      'node "$CLAUDE_PROJECT_DIR/.claude/commands/flight-rules/hook.cjs" session-start || true',
    );
    expect(hooks.PreToolUse[0].matcher).toBe('Edit|Write|MultiEdit');
    // The agent's state follows five events, with one command that reads the event from the hook's input.
    for (const event of ['UserPromptSubmit', 'Stop', 'Notification', 'SessionStart', 'SessionEnd']) {
      expect(hooks[event].at(-1)).toEqual({
        hooks: [
          {
            type: 'command',
            command: 'node "$CLAUDE_PROJECT_DIR/.claude/commands/flight-rules/hook.cjs" agent-state || true',
            timeout: 10,
          },
        ],
      });
    }
    // Committed and shared: the rules name no folder (test/client/status.test.ts shows the client matching them).
    expect(settings().permissions).toEqual({
      allow: packSettings('project', false).allow,
      deny: [PROJECT_HELPER_DENY],
    });
    expect(read('.claude/settings.json')).not.toContain(repo.root);
    expect(read('.gitattributes')).toBe('docs/progress.md merge=union\n');
    expect(result.stdout).toContain('Next: commit .claude and .gitattributes');

    const helper = spawnSync(
      'node',
      [join(repo.main, '.claude/commands/flight-rules/session.mjs'), 'start', '--help'],
      { cwd: repo.main, env: repo.env, encoding: 'utf8' },
    );
    expect(helper.status).toBe(0);
    expect(helper.stdout).toContain('usage: session start [<name>]');
  });

  it('installs into the repository top level when given a subfolder, as `npx tsx install.ts` does', () => {
    repo = makeRepo();
    const result = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'install.ts'), join(repo.main, 'src')], {
      cwd: ROOT,
      env: repo.env,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(existsSync(join(repo.main, '.claude/commands/dev-session.start.md'))).toBe(true);
    expect(existsSync(join(repo.main, 'src/.claude'))).toBe(false);
  });

  it('changes nothing on a second run, and says so', async () => {
    repo = makeRepo();
    await install([]);
    const before = snapshot(repo);
    const again = await install([]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Nothing changed: everything is installed and up to date.');
    expect(snapshot(repo)).toEqual(before);
  });

  it('keeps a command file the user modified, reports it, and overwrites it only with --force', async () => {
    repo = makeRepo();
    await install([]);
    const path = '.claude/commands/dev-session.end.md';
    writeFileSync(join(repo.main, path), `${read(path)}\nOur team's extra step.\n`);
    const kept = await install([]);
    expect(kept.exitCode).toBe(0);
    expect(kept.stdout).toContain(
      `! kept ${path}: it differs from what this pack installs (modified by you?). Rerun with --force to overwrite it.`,
    );
    expect(read(path)).toContain("Our team's extra step.");

    const forced = await install(['--force']);
    expect(forced.stdout).toContain(`✓ overwrote ${path} (it had been modified; --force)`);
    expect(read(path)).not.toContain("Our team's extra step.");
  });

  it('updates its own outdated file without --force', async () => {
    repo = makeRepo();
    await install([]);
    const path = '.claude/commands/parallel.status.md';
    const recordPath = join(repo.main, '.claude/commands/flight-rules/install-manifest.json');
    const record = JSON.parse(readFileSync(recordPath, 'utf8'));
    const older = 'an older version of this command\n';
    writeFileSync(join(repo.main, path), older);
    const { createHash } = await import('node:crypto');
    record.files[path] = createHash('sha256').update(older).digest('hex');
    writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
    const result = await install([]);
    expect(result.stdout).toContain(`✓ updated ${path}`);
    expect(read(path)).toContain('# Parallel sessions');
  });

  it('merges into existing settings and .gitattributes, and --uninstall leaves the project exactly as it was', async () => {
    repo = makeRepo();
    const userSettings = {
      model: 'sonnet',
      hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo mine' }] }] },
      permissions: { allow: ['Bash(npm test:*)'] },
    };
    repo.write('.claude/settings.json', `${JSON.stringify(userSettings, null, 2)}\n`);
    repo.write('.claude/commands/mine.md', 'my own command\n');
    repo.write('.gitattributes', '*.png binary');
    const before = snapshot(repo);

    expect((await install(['--agent', 'both'])).exitCode).toBe(0);
    expect(settings().model).toBe('sonnet');
    expect(settings().hooks.PreToolUse.map((group: any) => group.matcher)).toEqual(['Bash', 'Edit|Write|MultiEdit']);
    expect(settings().permissions.allow[0]).toBe('Bash(npm test:*)');
    expect(read('.gitattributes')).toBe('*.png binary\ndocs/progress.md merge=union\n');

    const removed = await install(['--uninstall']);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toContain('✓ removed .claude/commands/dev-session.start.md');
    expect(removed.stdout).toContain('✓ removed .cursor/commands/dev-session.start.md');
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(join(repo.main, '.claude/commands/flight-rules'))).toBe(false);
    expect(existsSync(join(repo.main, '.cursor'))).toBe(false);
  });

  it('--uninstall keeps a file the user modified', async () => {
    repo = makeRepo();
    await install([]);
    const path = '.claude/commands/parallel.sync.md';
    writeFileSync(join(repo.main, path), 'mine now\n');
    const result = await install(['--uninstall']);
    expect(result.stdout).toContain(`! kept ${path}: it was modified after it was installed`);
    expect(read(path)).toBe('mine now\n');
    expect(existsSync(join(repo.main, '.claude/settings.json'))).toBe(false);
  });

  it('--dry-run lists the plan and writes nothing', async () => {
    repo = makeRepo();
    const before = snapshot(repo);
    const result = await install(['--dry-run']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Dry run: nothing was written. The plan:');
    expect(result.stdout).toContain('- would have created .claude/commands/dev-session.start.md');
    expect(snapshot(repo)).toEqual(before);
  });

  it('--agent cursor writes variants without `!` lines, and no Claude settings', async () => {
    repo = makeRepo();
    expect((await install(['--agent', 'cursor'])).exitCode).toBe(0);
    for (const file of COMMANDS) {
      const text = read(`.cursor/commands/${file}`);
      expect(text.split('\n').filter(isBangLine), file).toEqual([]);
      expect(text).not.toContain('CLAUDE_');
      expect(text, file).not.toMatch(/output appears (above|under)|what the helper printed/i);
    }
    expect(read('.cursor/commands/parallel.status.md')).toContain(CURSOR_INTRO);
    expect(read('.cursor/commands/parallel.status.md')).toContain(
      'node "$(git rev-parse --show-toplevel)/.claude/commands/flight-rules/session.mjs" status',
    );
    expect(existsSync(join(repo.main, '.claude/commands/flight-rules/session.mjs'))).toBe(true);
    expect(existsSync(join(repo.main, '.claude/settings.json'))).toBe(false);
    expect(existsSync(join(repo.main, '.claude/commands/dev-session.start.md'))).toBe(false);
  });

  it('--no-hooks and --no-gitattributes leave those out', async () => {
    repo = makeRepo();
    await install(['--no-hooks', '--no-gitattributes']);
    expect(settings().hooks).toBeUndefined();
    expect(settings().permissions.allow).toHaveLength(4);
    expect(existsSync(join(repo.main, '.gitattributes'))).toBe(false);
  });
});

describe('an install over an older one', () => {
  it("replaces the permission rules an older version wrote, and keeps the user's own", async () => {
    repo = makeRepo();
    await install([]);
    // What the previous version wrote: rules naming ${CLAUDE_PROJECT_DIR}, which the client never matched.
    const old = ['status', 'overlap'].map(
      (name) => `Bash(node "\${CLAUDE_PROJECT_DIR}/.claude/commands/flight-rules/session.mjs" ${name}:*)`,
    );
    const current = settings();
    writeFileSync(
      join(repo.main, '.claude/settings.json'),
      `${JSON.stringify({ ...current, permissions: { allow: ['Bash(npm test:*)', ...old] } }, null, 2)}\n`,
    );
    const recordPath = join(repo.main, '.claude/commands/flight-rules/install-manifest.json');
    const record = JSON.parse(readFileSync(recordPath, 'utf8'));
    record.settings.allow = old;
    delete record.settings.deny;
    writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);

    const result = await install([]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      `✓ removed from .claude/settings.json this pack's outdated entries: ${old.join(', ')}`,
    );
    expect(settings().permissions).toEqual({
      allow: ['Bash(npm test:*)', ...packSettings('project', false).allow],
      deny: [PROJECT_HELPER_DENY],
    });
    expect(settings().hooks).toEqual(current.hooks);
    expect((await install([])).stdout).toContain('Nothing changed');

    await install(['--uninstall']);
    expect(JSON.parse(readFileSync(join(repo.main, '.claude/settings.json'), 'utf8'))).toEqual({
      permissions: { allow: ['Bash(npm test:*)'] },
    });
  });

  /** Turns a fresh install into what the version whose hook was one ES module file (hook.mjs) left. */
  async function olderInstallWithHookMjs(hookText: string) {
    await install([]);
    const runtime = '.claude/commands/flight-rules';
    const recordPath = join(repo.main, runtime, 'install-manifest.json');
    const record = JSON.parse(readFileSync(recordPath, 'utf8'));
    const { createHash } = await import('node:crypto');
    for (const file of ['hook.cjs', 'hook-code.cjs']) {
      rmSync(join(repo.main, runtime, file));
      delete record.files[`${runtime}/${file}`];
    }
    // The record holds what that install wrote; the file holds hookText, which differs when the user changed it.
    record.files[`${runtime}/hook.mjs`] = createHash('sha256').update('export {};\n').digest('hex');
    writeFileSync(join(repo.main, runtime, 'hook.mjs'), hookText);
    const older = (text: string) => text.replaceAll('/hook.cjs', '/hook.mjs');
    const current = settings();
    const hooks = JSON.parse(older(JSON.stringify(current.hooks)));
    hooks.PreToolUse.push({ matcher: 'Bash', hooks: [{ type: 'command', command: 'my-own-check' }] });
    writeFileSync(join(repo.main, '.claude/settings.json'), `${JSON.stringify({ ...current, hooks }, null, 2)}\n`);
    record.settings.hooks = record.settings.hooks.map(older);
    writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
    return { runtime, oldCommands: record.settings.hooks as string[] };
  }

  it('moves an install of the single-file hook (hook.mjs) to hook.cjs: the old file and its hook commands go', async () => {
    repo = makeRepo();
    const { runtime, oldCommands } = await olderInstallWithHookMjs('export {};\n');
    const result = await install([]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`✓ removed ${runtime}/hook.mjs (this version of the pack no longer installs it)`);
    expect(result.stdout).toContain(`✓ created ${runtime}/hook.cjs`);
    expect(result.stdout).toContain(`✓ created ${runtime}/hook-code.cjs`);
    expect(result.stdout).toContain(
      `✓ removed from .claude/settings.json this pack's outdated entries: ${oldCommands.join(', ')}`,
    );
    expect(readdirSync(join(repo.main, runtime)).sort()).toEqual([
      'hook-code.cjs',
      'hook.cjs',
      'install-manifest.json',
      'session-code.cjs',
      'session.mjs',
    ]);
    const commands = JSON.stringify(settings().hooks);
    expect(commands).not.toContain('hook.mjs');
    expect(commands).toContain('my-own-check');
    expect(settings().hooks.PreToolUse.flatMap((group: { hooks: { command: string }[] }) => group.hooks)).toEqual([
      { type: 'command', command: 'my-own-check' },
      {
        type: 'command',
        command: 'node "$CLAUDE_PROJECT_DIR/.claude/commands/flight-rules/hook.cjs" pre-tool-use || true',
        timeout: 10,
      },
    ]);
    const record = JSON.parse(readFileSync(join(repo.main, runtime, 'install-manifest.json'), 'utf8'));
    expect(Object.keys(record.files)).not.toContain(`${runtime}/hook.mjs`);
    expect((await install([])).stdout).toContain('Nothing changed');
  });

  it('keeps an old hook.mjs the user changed, and says so, once', async () => {
    repo = makeRepo();
    const { runtime } = await olderInstallWithHookMjs('export {}; // my change\n');
    const result = await install([]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      `kept ${runtime}/hook.mjs: this version of the pack no longer installs it, but it was modified after it was installed; remove it when you no longer need it.`,
    );
    expect(readFileSync(join(repo.main, runtime, 'hook.mjs'), 'utf8')).toBe('export {}; // my change\n');
    expect((await install([])).stdout).not.toContain('hook.mjs');
  });

  it('keeps its hooks when rerun with --no-hooks', async () => {
    repo = makeRepo();
    await install([]);
    const hooks = settings().hooks;
    await install(['--no-hooks']);
    expect(settings().hooks).toEqual(hooks);
  });
});

describe('install refusals', () => {
  it('refuses settings that are not valid JSON, and writes nothing', async () => {
    repo = makeRepo();
    repo.write('.claude/settings.json', '{ "hooks": ');
    const before = snapshot(repo);
    const result = await install([]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      '✗ refused: <root>/project/.claude/settings.json cannot be merged into: it is not valid JSON',
    );
    expect(result.stderr).toContain('Next: Fix that file');
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses settings whose hooks are not an object, and writes nothing', async () => {
    repo = makeRepo();
    repo.write('.claude/settings.json', '{ "hooks": [] }\n');
    const before = snapshot(repo);
    const result = await install([]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('cannot be merged into: "hooks" is not an object');
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses a folder that is not a git repository', async () => {
    repo = makeRepo();
    const plain = realpathSync(mkdtempSync(join(tmpdir(), 'fr-plain-')));
    extra.push(plain);
    const result = await install([plain]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`✗ refused: ${plain} is not inside a git repository`);
    expect(readdirSync(plain)).toEqual([]);
  });

  it('rejects a bad flag as a usage error', async () => {
    repo = makeRepo();
    const result = await install(['--agent', 'vim']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--agent must be claude, cursor or both; got "vim"');
  });
});

describe('user install', () => {
  it('refuses a home folder the commands cannot name inside quotes and rules, and writes nothing', async () => {
    repo = makeRepo();
    const home = join(repo.root, "it's home");
    mkdirSync(home);
    const result = await install(['--user'], { home });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('✗ refused: HOME ');
    expect(readdirSync(home)).toEqual([]);
  });

  it('installs into HOME/.claude, leaves the project alone, and uninstalls cleanly', async () => {
    repo = makeRepo();
    const home = join(repo.root, 'home');
    mkdirSync(join(home, '.claude'), { recursive: true });
    writeFileSync(join(home, '.claude/settings.json'), '{\n  "theme": "dark"\n}\n');
    const project = snapshot(repo);

    const result = await install(['--user'], { home });
    expect(result.exitCode).toBe(0);
    expect(
      readdirSync(join(home, '.claude/commands'))
        .filter((file) => file.endsWith('.md'))
        .sort(),
    ).toEqual(COMMANDS);
    // Claude Code expands no variable in a permission rule: the commands and rules name the home folder itself.
    const status = readFileSync(join(home, '.claude/commands/parallel.status.md'), 'utf8');
    expect(status).toContain(
      `!\`node "${home}/.claude/commands/flight-rules/session.mjs" status 2>/dev/null || echo "${missingHelperNote('user', home)}"\``,
    );
    expect(status).toContain(`Bash(node "${home}/.claude/commands/flight-rules/session.mjs" status:*)`);
    expect(status).not.toContain('$HOME');
    const userSettings = JSON.parse(readFileSync(join(home, '.claude/settings.json'), 'utf8'));
    expect(userSettings.theme).toBe('dark');
    expect(userSettings.permissions).toEqual({
      allow: [
        `Bash(node "${home}/.claude/commands/flight-rules/session.mjs" status:*)`,
        `Bash(node "${home}/.claude/commands/flight-rules/session.mjs" overlap:*)`,
      ],
    });
    expect(userSettings.hooks.SessionStart[0].hooks[0].command).toBe(
      'node "$HOME/.claude/commands/flight-rules/hook.cjs" session-start || true',
    );
    expect(snapshot(repo)).toEqual(project);

    expect((await install(['--user', '--uninstall'], { home })).exitCode).toBe(0);
    expect(readFileSync(join(home, '.claude/settings.json'), 'utf8')).toBe('{\n  "theme": "dark"\n}\n');
    expect(readdirSync(join(home, '.claude'))).toEqual(['settings.json']);
  });
});
