import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileMode, makeRepo, ROOT, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';
import { parseStatus, sessionWork } from '../scripts/core/status-porcelain.js';

let repo: Repo;
afterEach(() => repo?.cleanup());

const worktreeOf = (name: string) => join(repo.sessions, name);
const sessionOf = (name: string) => repo.manifest().sessions.find((s: any) => s.id === name);
const statusIn = (cwd: string) => repo.git(['status', '--porcelain', '-z', '--untracked-files=all'], cwd);
/** Status apart from the session log stub, which start writes and leaves for the session to commit. */
const statusBesidesLog = (cwd: string) =>
  parseStatus(statusIn(cwd)).filter((entry) => !entry.path.startsWith('docs/session_logs/'));

describe('ignored files: .worktreeinclude', () => {
  it('copies what matches and is ignored on both sides, and nothing else', async () => {
    repo = makeRepo({
      files: {
        '.gitignore': '.env*\n!.env.example\nsecrets/\nlocal.json\n',
        '.worktreeinclude': '.env*\nsecrets/\nconfig/settings.json\nlocal.json\n../outside.env\n',
        'config/settings.json': '{"tracked": true}\n',
        '.env.example': 'TRACKED=1\n',
        'README.md': '# x\n',
      },
    });
    repo.git(['branch', 'older-ignores']);
    repo.write('.gitignore', '.env*\n!.env.example\nsecrets/\nlocal.json\nextra.secret\n');
    repo.write('.worktreeinclude', '.env*\nsecrets/\nconfig/settings.json\nlocal.json\nextra.secret\n../outside.env\n');
    repo.commitAll('ignore extra.secret too');
    repo.write('.env', 'SECRET=1\n');
    chmodSync(join(repo.main, '.env'), 0o600);
    repo.write('apps/web/.env.local', 'WEB=1\n');
    repo.write('secrets/api.key', 'key\n');
    chmodSync(join(repo.main, 'secrets/api.key'), 0o640);
    repo.write('extra.secret', 'x\n');
    repo.write('config/settings.json', '{"tracked": "but changed"}\n');
    writeFileSync(join(repo.root, 'outside.env'), 'OUTSIDE=1\n');
    symlinkSync(join(repo.root, 'outside.env'), join(repo.main, '.env.link'));
    mkdirSync(join(repo.root, 'outside-dir'));
    writeFileSync(join(repo.root, 'outside-dir', 'key'), 'k\n');
    symlinkSync(join(repo.root, 'outside-dir'), join(repo.main, 'secrets', 'linked'));

    const result = await repo.cli(['start', 'inc', '--if-dirty', 'proceed', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    const copy = result.json.workspace.copy;
    const wt = worktreeOf('inc');
    expect(copy.sources).toEqual(['.worktreeinclude']);
    expect(copy.copied.sort()).toEqual(['.env', 'apps/web/.env.local', 'extra.secret', 'secrets/api.key']);
    // tracked files never become candidates; the worktree keeps the committed version
    expect(copy.candidates).not.toContain('config/settings.json');
    expect(readFileSync(join(wt, 'config/settings.json'), 'utf8')).toBe('{"tracked": true}\n');
    expect(copy.skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '.env.link', reason: 'symlink' }),
        expect.objectContaining({ path: 'secrets/linked', reason: 'symlink' }),
      ]),
    );
    expect(existsSync(join(wt, '.env.link'))).toBe(false);
    expect(existsSync(join(wt, 'secrets/linked'))).toBe(false);
    expect(copy.rejected).toEqual([
      { pattern: '../outside.env', source: '.worktreeinclude', reason: expect.stringContaining('climbs out') },
    ]);
    expect(fileMode(join(wt, '.env'))).toBe(0o600);
    expect(fileMode(join(wt, 'secrets/api.key'))).toBe(0o640);
    expect(readFileSync(join(wt, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(statusBesidesLog(wt)).toEqual([]);
    expect(sessionOf('inc').copiedFiles.sort()).toEqual(copy.copied.sort());
    expect(sessionOf('inc').packFiles).toEqual(expect.arrayContaining([...copy.copied, '.env.session']));

    // a branch whose .gitignore does not ignore a candidate: skipped, so it cannot be committed
    const older = await repo.cli(['start', 'older', '--base', 'older-ignores', '--if-dirty', 'proceed', '--json']);
    expect(older.exitCode).toBe(0);
    expect(older.json.workspace.copy.skipped).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'extra.secret', reason: 'not-ignored-in-worktree' })]),
    );
    expect(existsSync(join(worktreeOf('older'), 'extra.secret'))).toBe(false);
    expect(statusBesidesLog(worktreeOf('older'))).toEqual([]);
  });

  it('human output names what was copied, skipped and refused', async () => {
    repo = makeRepo({
      files: { '.gitignore': '.env*\n', '.worktreeinclude': '.env\n/etc/../../x\n', 'README.md': '# x\n' },
    });
    repo.write('.env', 'A=1\n');
    symlinkSync('/etc/hostname', join(repo.main, '.env.local'));
    repo.write('.worktreeinclude', '.env\n.env.local\n../x\n');
    repo.commitAll('include');
    const result = await repo.cli(['start', 'human']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('✓ Copied 1 ignored file(s) from the main checkout: .env\n');
    expect(result.stdout).toContain(
      '! Not used: "../x" from .worktreeinclude: it climbs out of the repository with ..\n',
    );
    expect(result.stdout).toContain('! Not copied: .env.local: it is a symbolic link; links are never followed\n');
  });
});

describe('an unexpected workspace failure', () => {
  it('is reported as a failed setup and leaves the session standing', async () => {
    repo = makeRepo();
    // The repository's info/exclude cannot be written when info is a file, not a folder.
    rmSync(join(repo.main, '.git/info'), { recursive: true, force: true });
    writeFileSync(join(repo.main, '.git/info'), '');
    const result = await repo.cli(['start', 'odd', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.workspace.setup).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/ENOTDIR|EEXIST/),
      next: expect.stringContaining('session setup odd'),
    });
    expect(sessionOf('odd')).toMatchObject({ status: 'active', setup: { status: 'failed' } });
    expect(existsSync(join(worktreeOf('odd'), 'README.md'))).toBe(true);
  });
});

describe('a .worktreeinclude that is not a regular file', () => {
  it.each([
    ['a folder', (path: string) => mkdirSync(path)],
    ['a symlink to /dev/zero', (path: string) => symlinkSync('/dev/zero', path)],
  ])('as %s is not used, with a warning, and the start goes on', async (_label, make) => {
    repo = makeRepo();
    make(join(repo.main, '.worktreeinclude'));
    const result = await repo.cli(['start', 'odd', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.workspace.copy.rejected).toEqual([
      expect.objectContaining({ pattern: '.worktreeinclude', reason: expect.stringContaining('the file is not used') }),
    ]);
    expect(sessionOf('odd')).toMatchObject({ status: 'active' });
  });
});

describe('ignored files: defaults and --copy', () => {
  const files = { '.gitignore': '.env\n.env.local\n*.log\n', 'README.md': '# x\n' };
  const arrange = () => {
    repo = makeRepo({ files });
    repo.write('.env.local', 'TRACKED=1\n');
    repo.git(['add', '--force', '.env.local']);
    repo.commitAll('a tracked file that matches an ignore rule');
    repo.write('.env', 'A=1\n');
    repo.write('.env.production.local', 'not ignored\n');
    repo.write('debug.log', 'log\n');
    repo.write('nested/.env', 'nested\n');
  };

  it('copies the root env files git ignores; skips the ones it does not; leaves tracked ones alone', async () => {
    arrange();
    const result = await repo.cli(['start', 'defaults', '--json']);
    expect(result.exitCode).toBe(0);
    const copy = result.json.workspace.copy;
    expect(copy.sources).toEqual(['defaults']);
    expect(copy.candidates.sort()).toEqual(['.env', '.env.production.local']);
    expect(copy.copied).toEqual(['.env']);
    expect(copy.skipped).toEqual([expect.objectContaining({ path: '.env.production.local', reason: 'not-ignored' })]);
    expect(readFileSync(join(worktreeOf('defaults'), '.env.local'), 'utf8')).toBe('TRACKED=1\n');
  });

  it('--copy none copies nothing', async () => {
    arrange();
    const result = await repo.cli(['start', 'bare', '--copy', 'none', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.workspace.copy).toMatchObject({ mode: 'none', candidates: [], copied: [] });
    expect(existsSync(join(worktreeOf('bare'), '.env'))).toBe(false);
  });

  it('--copy PATH,... copies exactly those, still under the rules', async () => {
    arrange();
    const result = await repo.cli([
      'start',
      'picked',
      '--copy',
      'debug.log,.env.production.local,../x,/etc/passwd,missing.txt,README.md',
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    const copy = result.json.workspace.copy;
    expect(copy.copied).toEqual(['debug.log']);
    expect(copy.skipped).toEqual([expect.objectContaining({ path: '.env.production.local', reason: 'not-ignored' })]);
    expect(copy.rejected.map((r: any) => r.pattern)).toEqual(['../x', '/etc/passwd', 'missing.txt', 'README.md']);
    expect(existsSync(join(worktreeOf('picked'), '.env'))).toBe(false);
  });

  it('config copy globs add to the candidates', async () => {
    repo = makeRepo({
      files: {
        '.gitignore': '*.local.json\n',
        '.claude/flight-rules.json': '{"copy": ["config/*.local.json", "../up.json"]}\n',
        'README.md': '# x\n',
      },
    });
    repo.write('config/db.local.json', '{}\n');
    const result = await repo.cli(['start', 'globs', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.workspace.copy).toMatchObject({ sources: ['config copy'], copied: ['config/db.local.json'] });
    expect(result.json.workspace.copy.rejected).toEqual([
      expect.objectContaining({ pattern: '../up.json', source: 'config copy' }),
    ]);
  });
});

describe("the pack's own untracked files", () => {
  it('copies untracked .claude/commands and settings.local.json, records them, suggests committing', async () => {
    repo = makeRepo({ files: { '.gitignore': '.claude/settings.local.json\n', 'README.md': '# x\n' } });
    repo.write('.claude/commands/dev-session.end.md', '---\ndescription: end\n---\n');
    repo.write('.claude/commands/flight-rules/session.mjs', 'export {};\n');
    repo.write('.claude/commands/flight-rules/hook.cjs', 'export {};\n');
    repo.write('.claude/settings.local.json', '{}\n');
    const result = await repo.cli(['start', 'packed', '--json']);
    expect(result.exitCode).toBe(0);
    const expected = [
      '.claude/commands/dev-session.end.md',
      '.claude/commands/flight-rules/hook.cjs',
      '.claude/commands/flight-rules/session.mjs',
      '.claude/settings.local.json',
    ];
    expect(result.json.workspace.packFiles.copied.sort()).toEqual(expected);
    const wt = worktreeOf('packed');
    for (const path of expected)
      expect(readFileSync(join(wt, path), 'utf8')).toBe(readFileSync(join(repo.main, path), 'utf8'));
    const session = sessionOf('packed');
    expect(session.packFiles).toEqual(expect.arrayContaining([...expected, '.env.session']));
    expect(session.copiedFiles).toBeUndefined();
    // the copies show as untracked in the worktree, but none of it is the session's work
    const status = parseStatus(statusIn(wt));
    expect(status.length).toBeGreaterThan(0);
    expect(sessionWork(status, session.packFiles).map((e) => e.path)).toEqual([
      expect.stringMatching(/^docs\/session_logs\//),
    ]);
    expect(result.json.dirty.untrackedLeftBehind).toEqual([]);

    const human = await repo.cli(['start', 'packed-too']);
    expect(human.stdout).toContain("Copied the pack's own uncommitted files");
    expect(human.stdout).toContain('Commit .claude/ so new worktrees get them from git.');
  });
});

describe('ports and .env.session', () => {
  it('8 concurrent starts get 8 distinct blocks; a 9th still starts, without ports', async () => {
    repo = makeRepo({
      files: {
        '.claude/flight-rules.json': '{"ports": {"base": 4000, "blockSize": 5, "blocks": 8}}\n',
        'README.md': '# x\n',
      },
    });
    const names = Array.from({ length: 8 }, (_, i) => `p${i}`);
    const results = await Promise.all(names.map((name) => repo.helperAsync(['start', name, '--json'])));
    for (const result of results) expect(result.exitCode, result.stdout).toBe(0);
    const bases = repo
      .manifest()
      .sessions.map((s: any) => s.port.base)
      .sort();
    expect(bases).toEqual([4000, 4005, 4010, 4015, 4020, 4025, 4030, 4035]);
    for (const name of names) {
      const env = readFileSync(join(worktreeOf(name), '.env.session'), 'utf8');
      expect(env).toContain(`PORT=${sessionOf(name).port.base}\n`);
      expect(env).toContain(`SESSION_ID=${name}\n`);
      expect(env).toContain(`DATABASE_NAME=project_${name}_dev\n`);
    }
    const ninth = await repo.cli(['start', 'p8', '--json']);
    expect(ninth.exitCode).toBe(0);
    expect(ninth.json.workspace.port).toBeNull();
    expect(sessionOf('p8').port).toBeUndefined();
    expect(readFileSync(join(worktreeOf('p8'), '.env.session'), 'utf8')).not.toContain('PORT');
  });

  it('.env.session never shows in git status, in the worktree or the main checkout', async () => {
    repo = makeRepo();
    expect((await repo.cli(['start', 'quiet'])).exitCode).toBe(0);
    const wt = worktreeOf('quiet');
    expect(existsSync(join(wt, '.env.session'))).toBe(true);
    expect(repo.git(['status', '--porcelain', '--untracked-files=all'], wt)).not.toContain('.env.session');
    expect(repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(repo.git(['check-ignore', '.env.session'], wt).trim()).toBe('.env.session');
  });

  it('a .env.session tracked on the branch is left alone', async () => {
    repo = makeRepo({ files: { '.env.session': 'MINE=1\n', 'README.md': '# x\n' } });
    const result = await repo.cli(['start', 'tracked', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.json.workspace.envSession).toEqual({
      written: false,
      message: expect.stringContaining('left alone'),
    });
    expect(readFileSync(join(worktreeOf('tracked'), '.env.session'), 'utf8')).toBe('MINE=1\n');
    expect(sessionOf('tracked').packFiles ?? []).not.toContain('.env.session');
  });
});

const hasPnpm = spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0;

describe('dependency setup', () => {
  const fixtureRepo = (fixture: string) => {
    repo = makeRepo({ files: { '.gitignore': 'node_modules/\ninstalled.txt\n' } });
    cpSync(join(ROOT, 'test/fixtures', fixture), repo.main, { recursive: true });
    repo.commitAll('fixture project');
  };

  it('runs npm ci in the worktree and records it', async () => {
    fixtureRepo('npm-project');
    const result = await repo.cli(['start', 'deps', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    const wt = worktreeOf('deps');
    expect(result.json.workspace.setup).toMatchObject({
      status: 'ok',
      command: 'npm ci --prefer-offline --no-audit --no-fund',
      log: join(repo.sessions, 'deps.setup.log'),
    });
    expect(result.stderr).toContain('- setup 1/1: npm ci --prefer-offline --no-audit --no-fund');
    expect(readFileSync(join(wt, 'installed.txt'), 'utf8')).toBe('npm\n');
    expect(readFileSync(join(repo.sessions, 'deps.setup.log'), 'utf8')).toContain('$ npm ci');
    expect(sessionOf('deps').setup).toMatchObject({
      status: 'ok',
      command: 'npm ci --prefer-offline --no-audit --no-fund',
      log: '../project-sessions/deps.setup.log',
      at: '2026-01-15T10:00:00Z',
    });
    expect(sessionOf('deps').setup.dependencies).toMatchObject({
      strategy: 'installed',
      why: 'nothing is installed in the main checkout (no node_modules/.package-lock.json)',
    });
    expect(statusBesidesLog(wt)).toEqual([]);
  });

  /** A project whose one dependency is a local tarball, installed for real by npm in the main checkout (no network). */
  const installedNpmProject = () => {
    repo = makeRepo({ files: { '.gitignore': 'node_modules/\n' } });
    const pkg = join(repo.root, 'pkg-a');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'a', version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(pkg, 'index.js'), 'module.exports = 1;\n');
    mkdirSync(join(repo.main, 'vendor'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', join(repo.main, 'vendor')], {
      cwd: pkg,
      env: repo.env,
      stdio: 'ignore',
    });
    writeFileSync(
      join(repo.main, 'package.json'),
      JSON.stringify({ name: 'p', version: '1.0.0', private: true, dependencies: { a: 'file:vendor/a-1.0.0.tgz' } }),
    );
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent'], {
      cwd: repo.main,
      env: repo.env,
      stdio: 'ignore',
    });
    repo.commitAll('an npm project, installed');
  };

  it("clones the main checkout's installed tree when the lockfiles and the tree match, and the clone is its own", async () => {
    installedNpmProject();
    const result = await repo.cli(['start', 'cloned', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    const wt = worktreeOf('cloned');
    expect(result.json.workspace.setup.dependencies).toMatchObject({
      strategy: 'cloned',
      files: expect.any(Number),
      bytes: expect.any(Number),
    });
    expect(result.json.workspace.setup.dependencies.files).toBeGreaterThanOrEqual(3);
    expect(sessionOf('cloned').setup.dependencies).toMatchObject({ strategy: 'cloned' });
    expect(readFileSync(join(repo.sessions, 'cloned.setup.log'), 'utf8')).toMatch(
      /\d+ files, \d+ bytes, in \d+ ms \(copy-on-write where the file system can\)/,
    );
    expect(result.stderr).toContain(
      '- setup 1/1: clone node_modules from the main checkout (its lockfile is the same)',
    );
    // Independent: a change in one tree never shows in the other.
    const inMain = join(repo.main, 'node_modules/a/index.js');
    const inSession = join(wt, 'node_modules/a/index.js');
    expect(readFileSync(inSession, 'utf8')).toBe('module.exports = 1;\n');
    expect(statSync(inSession).ino).not.toBe(statSync(inMain).ino);
    writeFileSync(inSession, 'module.exports = 2;\n');
    expect(readFileSync(inMain, 'utf8')).toBe('module.exports = 1;\n');
    writeFileSync(inMain, 'module.exports = 3;\n');
    expect(readFileSync(inSession, 'utf8')).toBe('module.exports = 2;\n');
    // npm itself takes the clone for an installed tree.
    expect(
      execFileSync('npm', ['ls', '--offline', '--parseable'], { cwd: wt, env: repo.env, encoding: 'utf8' }),
    ).toContain(join(wt, 'node_modules/a'));
    expect(statusBesidesLog(wt)).toEqual([]);
  });

  it.each([
    [
      "the main checkout's tree no longer matches its lockfile",
      (r: Repo) => {
        const record = join(r.main, 'node_modules/.package-lock.json');
        // What npm installed is now another build of the package than the lockfile names.
        writeFileSync(record, readFileSync(record, 'utf8').replace('"integrity": "sha512-', '"integrity": "sha512-X'));
      },
      'does not match its lockfile',
    ],
    [
      'nothing is installed in the main checkout',
      (r: Repo) => rmSync(join(r.main, 'node_modules'), { recursive: true, force: true }),
      'nothing is installed',
    ],
    [
      'the project turned cloning off',
      (r: Repo) => {
        mkdirSync(join(r.main, '.claude'), { recursive: true });
        writeFileSync(join(r.main, '.claude/flight-rules.json'), JSON.stringify({ dependencyClone: 'off' }));
        r.commitAll('no clones');
      },
      'dependencyClone is off',
    ],
  ])('installs instead when %s, and says why', async (_label, arrange, why) => {
    installedNpmProject();
    arrange(repo);
    const result = await repo.cli(['start', 'installed', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.workspace.setup.dependencies).toMatchObject({
      strategy: 'installed',
      why: expect.stringContaining(why),
    });
    expect(existsSync(join(worktreeOf('installed'), 'node_modules/a/index.js'))).toBe(true);
  });

  it('hard-links the tree only when the project asks for it, and then the files are shared', async () => {
    installedNpmProject();
    mkdirSync(join(repo.main, '.claude'), { recursive: true });
    writeFileSync(join(repo.main, '.claude/flight-rules.json'), JSON.stringify({ dependencyClone: 'hardlink' }));
    repo.commitAll('hard links');
    const result = await repo.cli(['start', 'linked']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain("node_modules hard-linked to the main checkout's");
    expect(statSync(join(worktreeOf('linked'), 'node_modules/a/index.js')).ino).toBe(
      statSync(join(repo.main, 'node_modules/a/index.js')).ino,
    );
  });

  it.skipIf(!hasPnpm)('runs pnpm install in the worktree (pnpm on PATH)', () => {
    fixtureRepo('pnpm-project');
    const result = repo.helper(['start', 'pnpm-deps', '--json']);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.workspace.setup).toMatchObject({
      status: 'ok',
      command: 'pnpm install --frozen-lockfile --prefer-offline',
    });
    expect(readFileSync(join(worktreeOf('pnpm-deps'), 'installed.txt'), 'utf8')).toBe('pnpm\n');
  });

  it('--no-setup skips it and says how to run it later', async () => {
    fixtureRepo('npm-project');
    const result = await repo.cli(['start', 'later', '--no-setup']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('- Setup skipped (--no-setup). Run `session setup later` when wanted.');
    expect(existsSync(join(worktreeOf('later'), 'installed.txt'))).toBe(false);
    expect(sessionOf('later').setup).toMatchObject({ status: 'skipped', command: null });
  });

  it('a failing postCreate leaves a usable session; session setup runs it again', async () => {
    repo = makeRepo({
      files: {
        '.gitignore': 'ran.txt\n',
        '.claude/flight-rules.json': '{"postCreate": "echo going; echo broken tool >&2; exit 3"}\n',
        'README.md': '# x\n',
      },
    });
    const result = await repo.cli(['start', 'flaky', '--json']);
    expect(result.exitCode).toBe(0);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.workspace.setup).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('exited with 3: broken tool'),
      next: expect.stringContaining('session setup flaky'),
    });
    expect(sessionOf('flaky')).toMatchObject({ status: 'active', setup: { status: 'failed' } });
    expect(readFileSync(join(repo.sessions, 'flaky.setup.log'), 'utf8')).toContain('going\nbroken tool\n');
    expect(repo.git(['rev-parse', '--abbrev-ref', 'HEAD'], worktreeOf('flaky')).trim()).toBe('session/flaky');

    const human = await repo.cli(['start', 'flaky-human']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain(
      '! Setup failed, the session is usable: echo going; echo broken tool >&2; exit 3 exited with 3: broken tool',
    );
    expect(human.stdout).toContain('Next: fix the problem shown in the setup log, then run: session setup flaky-human');

    repo.write('.claude/flight-rules.json', '{"postCreate": "echo \\"$SESSION_ID:$PORT\\" > ran.txt"}\n');
    const again = await repo.cli(['setup', '--json'], { cwd: join(worktreeOf('flaky'), 'docs') });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(outputSchemaErrors(again.json)).toBe('');
    expect(again.json.workspace.setup.status).toBe('ok');
    expect(readFileSync(join(worktreeOf('flaky'), 'ran.txt'), 'utf8')).toBe(`flaky:${sessionOf('flaky').port.base}\n`);
    expect(sessionOf('flaky').setup.status).toBe('ok');
    expect(sessionOf('flaky').packFiles).toEqual(['.env.session']);
  });

  it('session setup refuses an unknown session and needs a name outside a session', async () => {
    repo = makeRepo();
    await repo.cli(['start', 'one']);
    const unknown = await repo.cli(['setup', 'nope', '--json']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.json.error.code).toBe('no-such-session');
    const nameless = await repo.cli(['setup', '--json']);
    expect(nameless.exitCode).toBe(2);
    expect(nameless.json.error.message).toContain('needs a session name');
  });
});

describe('submodules', () => {
  const allowFile = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'protocol.file.allow', GIT_CONFIG_VALUE_0: 'always' };
  const withSubmodule = () => {
    repo = makeRepo();
    const lib = join(repo.root, 'lib-repo');
    mkdirSync(lib);
    repo.git(['init', '-q', '-b', 'main'], lib);
    repo.write('lib.txt', 'library\n', lib);
    repo.commitAll('lib', lib);
    repo.git(['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'vendor/lib']);
    repo.commitAll('add submodule');
  };

  it('are initialised in the new worktree', async () => {
    withSubmodule();
    const result = await repo.cli(['start', 'subs', '--json'], { env: allowFile });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.json.workspace.submodules).toEqual({ status: 'ok', message: null });
    expect(readFileSync(join(worktreeOf('subs'), 'vendor/lib/lib.txt'), 'utf8')).toBe('library\n');
  });

  it('a failure is a warning, and the session stands', async () => {
    withSubmodule();
    const result = await repo.cli(['start', 'nosubs']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('! Submodules could not be initialised');
    expect(sessionOf('nosubs').status).toBe('active');
    expect(lstatSync(join(worktreeOf('nosubs'), 'README.md')).isFile()).toBe(true);
  });
});
