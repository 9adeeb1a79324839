#!/usr/bin/env node
// `npm run bench`: times the installed bundle (plain node, no tsx) against the raw git it stands for,
// on a generated 5,000-file repository. Prints medians and ratios, writes bench/results.json.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir, benchEnv, makeBenchRepo } from './fixture.mjs';

const helper = fileURLToPath(new URL('../dist/session.mjs', import.meta.url));
const hook = fileURLToPath(new URL('../dist/hook.cjs', import.meta.url));
const resultsPath = fileURLToPath(new URL('./results.json', import.meta.url));
const quick = process.argv.includes('--quick');
const runs = quick ? 3 : 9;
// `--only <text>`: run only the groups whose name holds it (start, end, status, leftovers, hooks, agent, concurrent, land, dependencies, peers), and write no results file.
const only = process.argv.includes('--only') ? (process.argv[process.argv.indexOf('--only') + 1] ?? '') : null;
const wanted = (group) => only === null || group.includes(only);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const time = (fn) => {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
};
/** Runs the two sides of a pair in turn, the one or the other first by the parity of `i`, so neither always goes first. */
const inTurn = (i, ours, raw) => {
  for (const side of i % 2 ? [ours, raw] : [raw, ours]) side();
};
/** What ending a session by hand takes: merge the branch into main, remove its worktree, delete the branch. */
const endByHand = (repo, branch, worktree, message = `Merge ${branch}`) => {
  repo.git(['merge', '-q', '--no-ff', '-m', message, branch]);
  repo.git(['worktree', 'remove', worktree]);
  repo.git(['branch', '-q', '-d', branch]);
};
const session = (repo, args) =>
  execFileSync('node', [helper, ...args], {
    cwd: repo.main,
    env: repo.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

function startSessions(repo, count, prefix) {
  for (let i = 0; i < count; i++) session(repo, ['start', `${prefix}-${i}`, '--no-setup', '--copy', 'none']);
}

function benchStart(repo) {
  const ours = [];
  const raw = [];
  // Checkout time swings by tens of milliseconds, so take more samples and alternate which goes first.
  for (let i = 0; i < runs * 2; i++) {
    const measureOurs = () =>
      ours.push(time(() => session(repo, ['start', `bench-start-${i}`, '--no-setup', '--copy', 'none'])));
    const measureRaw = () =>
      raw.push(
        time(() => repo.git(['worktree', 'add', '-q', '-b', `raw-${i}`, join(repo.root, 'raw', `r${i}`), 'main'])),
      );
    inTurn(i, measureOurs, measureRaw);
  }
  return { name: 'start (no setup) vs git worktree add', ours: median(ours), raw: median(raw) };
}

/**
 * What every run of the helper pays before it asks git anything, and again to exit: node's start-up and the helper's
 * code, doing nothing (`--help`), against one git process doing nothing. Start and end pay at least this much more
 * than the raw commands, whatever else they do: it is the floor under their ratios.
 */
function benchFloor(repo) {
  const ours = [];
  const raw = [];
  for (let i = 0; i < runs * 2; i++)
    inTurn(
      i,
      () => ours.push(time(() => session(repo, ['--help']))),
      () => raw.push(time(() => repo.git(['--version']))),
    );
  return {
    name: 'the helper doing nothing (node, its code, exit: --help) vs git --version',
    ours: median(ours),
    raw: median(raw),
  };
}

/** The git calls status makes per session, issued one after another from a shell loop. */
function shellLoop(repo, ids) {
  const lines = ['set -e'];
  for (const id of ids) {
    const wt = join(repo.sessions, id);
    const branch = `session/${id}`;
    lines.push(
      `git -C '${wt}' --no-optional-locks status --porcelain=v1 -z --untracked-files=all >/dev/null`,
      `git rev-list --left-right --count 'main...${branch}' >/dev/null`,
      `git merge-tree --write-tree -z --name-only --no-messages main '${branch}' >/dev/null || true`,
      `git log -1 --format=%ct '${branch}' >/dev/null`,
      `git diff --name-only -z 'main...${branch}' >/dev/null`,
    );
  }
  lines.push('git worktree list --porcelain >/dev/null', 'git status --porcelain >/dev/null');
  return lines.join('\n');
}

/**
 * Status with `count` sessions that each committed work of their own while main moved on, so that every session
 * needs a merge prediction. Cold: nothing kept from an earlier status (the comparisons file is removed before each
 * run). Warm: what the previous status kept (counts, changed files, predictions). The worktrees' indexes are refreshed first, a second after
 * they were written (a fresh index is racily clean until git rewrites it in a later second, and then every
 * status re-reads its files), as an agent's first git command in the session would. The three sides alternate.
 */
function benchStatus(repo, count, existing) {
  for (let i = existing; i < count; i++) {
    const id = `s${count}-${i}`;
    session(repo, ['start', id, '--no-setup', '--copy', 'none']);
    const worktree = join(repo.sessions, id);
    writeFileSync(join(worktree, `${id}.txt`), `${id}\n`);
    repo.git(['add', '-A'], worktree);
    repo.git(['commit', '-q', '-m', `work of ${id}`], worktree);
  }
  writeFileSync(join(repo.main, `main-${count}.txt`), `${count}\n`);
  repo.git(['add', '-A']);
  repo.git(['commit', '-q', '-m', `main moves on (${count})`]);
  const ids = JSON.parse(session(repo, ['status', '--json'])).sessions.map((s) => s.id);
  execFileSync('sleep', ['1.1']);
  for (const id of ids) repo.git(['status', '--porcelain'], join(repo.sessions, id));
  repo.git(['status', '--porcelain']);
  const script = shellLoop(repo, ids);
  const kept = join(repo.sessions, '.tip-comparisons.json');
  const cold = [];
  const warm = [];
  const raw = [];
  const sides = [
    () => {
      rmSync(kept, { force: true });
      cold.push(time(() => session(repo, ['status'])));
    },
    () => warm.push(time(() => session(repo, ['status']))),
    () => raw.push(time(() => execFileSync('bash', ['-c', script], { cwd: repo.main, env: repo.env }))),
  ];
  for (let i = 0; i < runs; i++) for (let k = 0; k < sides.length; k++) sides[(i + k) % sides.length]();
  return [
    {
      name: `status, ${ids.length} session(s), cold vs shell loop`,
      sessions: ids.length,
      ours: median(cold),
      raw: median(raw),
    },
    {
      name: `status, ${ids.length} session(s), warm vs shell loop`,
      sessions: ids.length,
      ours: median(warm),
      raw: median(raw),
    },
  ];
}

/**
 * Status beside what ended sessions left: 10 abandoned sessions with uncommitted work (20 refs
 * under refs/sessions/, 10 setup logs) and 4 kept branches. The raw side is the one-session
 * shell loop plus the two ref listings status adds.
 */
function benchStatusLeftovers(repo) {
  for (let i = 0; i < 10; i++) {
    const id = `gone-${i}`;
    session(repo, ['start', id, '--no-setup', '--copy', 'none']);
    const worktree = join(repo.sessions, id);
    writeFileSync(join(worktree, 'draft.txt'), `draft ${i}\n`);
    session(repo, ['end', id, '--strategy', 'abandon', '--confirm', id]);
    writeFileSync(join(repo.sessions, `${id}.setup.log`), 'setup output\n');
  }
  for (let i = 0; i < 4; i++) {
    const id = `kept-${i}`;
    session(repo, ['start', id, '--no-setup', '--copy', 'none']);
    const worktree = join(repo.sessions, id);
    repo.git(['add', '-A'], worktree);
    repo.git(['commit', '-q', '-m', `work of ${id}`], worktree);
    session(repo, ['end', id, '--strategy', 'keep']);
  }
  const ids = JSON.parse(session(repo, ['status', '--json'])).sessions.map((s) => s.id);
  for (const id of ids) repo.git(['status', '--porcelain'], join(repo.sessions, id));
  const script = `${shellLoop(repo, ids)}\ngit for-each-ref refs/heads/ refs/sessions/ >/dev/null\ngit for-each-ref --merged=main refs/heads/ refs/sessions/ >/dev/null`;
  const refs = repo.git(['for-each-ref', 'refs/sessions/']).trim().split('\n').length;
  const ours = [];
  const raw = [];
  for (let i = 0; i < runs; i++) {
    ours.push(time(() => session(repo, ['status'])));
    raw.push(time(() => execFileSync('bash', ['-c', script], { cwd: repo.main, env: repo.env })));
  }
  return {
    name: `status, ${ids.length} session(s) and ${refs} leftover refs vs shell loop`,
    sessions: ids.length,
    ours: median(ours),
    raw: median(raw),
  };
}

function benchEnd(repo) {
  const ours = [];
  const raw = [];
  for (let i = 0; i < runs; i++) {
    const a = `end-ours-${i}`;
    session(repo, ['start', a, '--no-setup', '--copy', 'none']);
    const wtA = join(repo.sessions, a);
    repo.git(['add', '-A'], wtA);
    repo.git(['commit', '-q', '-m', 'work'], wtA);
    ours.push(time(() => session(repo, ['end', a, '--strategy', 'merge'])));

    const b = `end-raw-${i}`;
    const wtB = join(repo.root, 'raw-end', b);
    repo.git(['worktree', 'add', '-q', '-b', b, wtB, 'main']);
    repo.git(['commit', '-q', '--allow-empty', '-m', 'work'], wtB);
    raw.push(time(() => endByHand(repo, b, wtB)));
  }
  return {
    name: 'end --strategy merge vs git merge + worktree remove + branch -d',
    ours: median(ours),
    raw: median(raw),
  };
}

/**
 * The same end, of sessions that have lived a while: both sides' worktrees get their work committed, then, a second
 * later, a plain `git status` (as any git command the agent ran there since would), so neither worktree's index is
 * racily clean any more. A fresh worktree's index is: it was written in the same second as its files, and every
 * status of it, the helper's and the one `git worktree remove` runs, re-reads every file. The two sides alternate.
 */
function benchEndSettled(repo) {
  const pairs = [];
  for (let i = 0; i < runs; i++) {
    const a = `end-settled-${i}`;
    session(repo, ['start', a, '--no-setup', '--copy', 'none']);
    const wtA = join(repo.sessions, a);
    writeFileSync(join(wtA, `${a}.txt`), `${a}\n`);
    repo.git(['add', '-A'], wtA);
    repo.git(['commit', '-q', '-m', 'work'], wtA);
    const b = `raw-settled-${i}`;
    const wtB = join(repo.root, 'raw-settled', b);
    repo.git(['worktree', 'add', '-q', '-b', b, wtB, 'main']);
    writeFileSync(join(wtB, `${b}.txt`), `${b}\n`);
    repo.git(['add', '-A'], wtB);
    repo.git(['commit', '-q', '-m', 'work'], wtB);
    pairs.push({ a, wtA, b, wtB });
  }
  execFileSync('sleep', ['1.1']);
  for (const { wtA, wtB } of pairs) {
    repo.git(['status', '--porcelain'], wtA);
    repo.git(['status', '--porcelain'], wtB);
  }
  const ours = [];
  const raw = [];
  pairs.forEach(({ a, b, wtB }, i) => {
    const measureOurs = () => ours.push(time(() => session(repo, ['end', a, '--strategy', 'merge'])));
    const measureRaw = () => raw.push(time(() => endByHand(repo, b, wtB)));
    inTurn(i, measureOurs, measureRaw);
  });
  return {
    name: 'end --strategy merge, worktrees settled, vs git merge + worktree remove + branch -d',
    ours: median(ours),
    raw: median(raw),
  };
}

/**
 * The two context hooks, as Claude Code runs them, inside one of 10 and then of 50 sessions that all changed the same
 * file in a commit, against node's own start-up (`node -e 0`) in the same environment, the two sides alternating.
 * Each hook runs once before the timed runs, as the first edit after those commits does (it fills the hooks' cache);
 * the medians are of the runs after it. A worktree whose index was written in the same second as the file (as right
 * after a commit) is racily clean, and the hook hashes the file there, as git would: at 50 sessions that case is timed
 * too, before each session's next git command (here a `git status` a second later) rewrites its index. The other rows
 * wait until those files have settled (engine/hook/kept-answers.ts): an answer read from a worktree left alone is kept,
 * and later runs check it with a few lstats. The racily-clean row is the case of files written moments before.
 */
function benchHooks(repo) {
  const rows = [];
  const ids = [];
  const timeHook = (mode, cwd, name, count) => {
    const event =
      mode === 'session-start'
        ? { session_id: 'bench', transcript_path: '/t.jsonl', cwd, hook_event_name: 'SessionStart', source: 'startup' }
        : {
            session_id: 'bench',
            transcript_path: '/t.jsonl',
            cwd,
            hook_event_name: 'PreToolUse',
            tool_name: 'Edit',
            tool_input: { file_path: join(cwd, 'src/mod00/file0.js'), old_string: 'a', new_string: 'b' },
          };
    const input = JSON.stringify(event);
    const runHook = () => execFileSync('node', [hook, mode], { cwd, env: repo.env, input, encoding: 'utf8' });
    // The first run fills the cache; it must warn about every other session, as the later ones do.
    const first = runHook();
    if (
      mode === 'pre-tool-use' &&
      !ids.slice(1).every((id) => JSON.parse(first).hookSpecificOutput.additionalContext.includes(`"${id}"`))
    )
      throw new Error('the pre-tool-use hook missed a session');
    const ours = [];
    const raw = [];
    for (let i = 0; i < runs * 2; i++) {
      const measureOurs = () => ours.push(time(runHook));
      const measureRaw = () => raw.push(time(() => execFileSync('node', ['-e', '0'], { cwd, env: repo.env, input })));
      inTurn(i, measureOurs, measureRaw);
    }
    rows.push({ name, sessions: count, ours: median(ours), raw: median(raw) });
  };
  for (const count of [10, 50]) {
    for (let i = ids.length; i < count; i++) {
      const id = `hook-${i}`;
      session(repo, ['start', id, '--no-setup', '--copy', 'none']);
      const worktree = join(repo.sessions, id);
      writeFileSync(join(worktree, 'src/mod00/file0.js'), `export const value0 = '${id}';\n`);
      repo.git(['add', '-A'], worktree);
      repo.git(['commit', '-q', '-m', `work in ${id}`], worktree);
      ids.push(id);
    }
    const cwd = join(repo.sessions, ids[0]);
    if (count === 50)
      timeHook('pre-tool-use', cwd, `hook pre-tool-use, ${count} sessions, indexes racily clean, vs node -e 0`, count);
    const second = Math.floor(Date.now() / 1000);
    while (Math.floor(Date.now() / 1000) === second) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    for (const id of ids) repo.git(['status', '--porcelain'], join(repo.sessions, id));
    // Other sessions' files as an edit usually finds them: not written in the last seconds, so the hook's kept answers stand.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_500);
    timeHook('session-start', cwd, `hook session-start, ${count} sessions vs node -e 0`, count);
    timeHook('pre-tool-use', cwd, `hook pre-tool-use, ${count} sessions vs node -e 0`, count);
  }
  return rows;
}

/**
 * `land` of five ready sessions (a file each, main checked out and clean in the main checkout)
 * against the same five merges by hand: for each, git merge --no-ff in the main checkout, then
 * git worktree remove and git branch -d. Setting the sessions up is not timed.
 */
function benchLand(repo, count = 5) {
  const ours = [];
  const raw = [];
  for (let i = 0; i < runs; i++) {
    const ids = Array.from({ length: count }, (_, k) => `land-${i}-${k}`);
    for (const id of ids) {
      session(repo, ['start', id, '--no-setup', '--copy', 'none']);
      const worktree = join(repo.sessions, id);
      writeFileSync(join(worktree, `${id}.txt`), `${id}\n`);
      repo.git(['add', '-A'], worktree);
      repo.git(['commit', '-q', '-m', `work of ${id}`], worktree);
      session(repo, ['ready', id]);
    }
    ours.push(time(() => session(repo, ['land', ...ids])));

    const branches = Array.from({ length: count }, (_, k) => `raw-land-${i}-${k}`);
    for (const branch of branches) {
      const worktree = join(repo.root, 'raw-land', branch);
      repo.git(['worktree', 'add', '-q', '-b', branch, worktree, 'main']);
      writeFileSync(join(worktree, `${branch}.txt`), `${branch}\n`);
      repo.git(['add', '-A'], worktree);
      repo.git(['commit', '-q', '-m', `work of ${branch}`], worktree);
    }
    raw.push(
      time(() => {
        for (const branch of branches)
          endByHand(repo, branch, join(repo.root, 'raw-land', branch), `Merge session ${branch}`);
      }),
    );
  }
  return {
    name: `land ${count} sessions vs ${count} x (git merge --no-ff + worktree remove + branch -d)`,
    ours: median(ours),
    raw: median(raw),
  };
}

/**
 * The agent-state hook, as Claude Code runs it on every prompt, turn end and notification, inside one of 10 and then
 * 50 sessions, against node's own start-up (`node -e 0`): it runs no git, and reads the manifest only on a prompt
 * (for a land notice, quiet here since nothing landed), so the number of sessions should barely show. Alternates the two sides; each event once per run.
 */
function benchAgentHooks(repo) {
  const rows = [];
  let started = 0;
  for (const count of [10, 50]) {
    startSessions(repo, count - started, `agent${count}`);
    started = count;
    const id = JSON.parse(session(repo, ['status', '--json'])).sessions[0].id;
    const cwd = join(repo.sessions, id);
    const events = ['UserPromptSubmit', 'Notification', 'Stop', 'SessionEnd'].map((hook_event_name) =>
      JSON.stringify({
        session_id: '9f3c2a4e-1b2d-4c5e-8f90-123456789abc',
        transcript_path: '/t.jsonl',
        cwd,
        hook_event_name,
        message: 'Claude needs your permission to use Bash',
        notification_type: 'permission_prompt',
      }),
    );
    const ours = [];
    const raw = [];
    for (let i = 0; i < runs * 2; i++) {
      const input = events[i % events.length];
      const measureOurs = () =>
        ours.push(time(() => execFileSync('node', [hook, 'agent-state'], { cwd, env: repo.env, input })));
      const measureRaw = () => raw.push(time(() => execFileSync('node', ['-e', '0'], { cwd, env: repo.env, input })));
      inTurn(i, measureOurs, measureRaw);
    }
    rows.push({
      name: `hook agent-state, ${count} sessions vs node -e 0`,
      sessions: count,
      ours: median(ours),
      raw: median(raw),
    });
  }
  return rows;
}

/**
 * `count` starts at once, against `count` plain `git worktree add`s at once, wall time, the two alternating over
 * three rounds. git's own adds are not safe beside each other (each reads every other worktree's admin folder and can
 * die on one half written); those that failed are counted in the row's name. Every start must succeed and be registered.
 */
async function benchConcurrentStarts(repo, count = 16, rounds = 3) {
  const allAtOnce = (command, args) =>
    Promise.all(
      Array.from(
        { length: count },
        (_, i) =>
          new Promise((resolve) => {
            const child = spawn(command, args(i), { cwd: repo.main, env: repo.env, stdio: 'ignore' });
            child.on('close', resolve);
          }),
      ),
    );
  const timed = async (run) => {
    const started = process.hrtime.bigint();
    const codes = await run();
    return { wall: Number(process.hrtime.bigint() - started) / 1e6, codes };
  };
  const ours = [];
  const raw = [];
  let ok = true;
  let rawFailed = 0;
  for (let round = 0; round < rounds; round++) {
    const measureOurs = async () => {
      const { wall, codes } = await timed(() =>
        allAtOnce('node', (i) => [helper, 'start', `conc-${round}-${i}`, '--no-setup', '--copy', 'none']),
      );
      ours.push(wall);
      const registered = JSON.parse(session(repo, ['status', '--json'])).sessions.filter((s) =>
        s.id.startsWith(`conc-${round}-`),
      ).length;
      ok &&= codes.every((c) => c === 0) && registered === count;
    };
    const measureRaw = async () => {
      const { wall, codes } = await timed(() =>
        allAtOnce('git', (i) => [
          'worktree',
          'add',
          '-q',
          '-b',
          `raw-conc-${round}-${i}`,
          join(repo.root, 'raw-conc', `${round}-${i}`),
          'main',
        ]),
      );
      raw.push(wall);
      rawFailed += codes.filter((c) => c !== 0).length;
    };
    for (const side of round % 2 ? [measureOurs, measureRaw] : [measureRaw, measureOurs]) await side();
  }
  return {
    name: `${count} concurrent starts vs ${count} concurrent git worktree add (wall time; ${rawFailed} of ${count * rounds} raw adds failed)`,
    ours: median(ours),
    raw: median(raw),
    ok,
  };
}

/**
 * A real project's dependencies, from the registry, installed once and kept in bench/.cache
 * (with npm's own cache there, so later runs install offline): a few hundred packages.
 */
const depsCache = fileURLToPath(new URL('./.cache/', import.meta.url));
const DEPS_PACKAGE = {
  name: 'bench-deps',
  version: '1.0.0',
  private: true,
  dependencies: { eslint: '10.15.0', express: '5.3.0', webpack: '5.113.0', typescript: '7.0.2' },
};
function depsFixture() {
  const folder = join(depsCache, 'deps');
  const npmCache = join(depsCache, 'npm');
  const wanted = `${JSON.stringify(DEPS_PACKAGE, null, 2)}\n`;
  if (!existsSync(join(folder, 'package-lock.json')) || readFileSync(join(folder, 'package.json'), 'utf8') !== wanted) {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), wanted);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--cache', npmCache], {
      cwd: folder,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return { packageJson: wanted, lock: readFileSync(join(folder, 'package-lock.json'), 'utf8'), npmCache };
}

/**
 * A session ready to work in, dependencies and all: `start` with its setup (which clones the main
 * checkout's installed tree when the lockfiles match) against `npm ci` alone in a fresh worktree,
 * with a warm cache. Alternates the two sides.
 */
function benchDependencies(repo) {
  const fixture = depsFixture();
  writeFileSync(join(repo.main, 'package.json'), fixture.packageJson);
  writeFileSync(join(repo.main, 'package-lock.json'), fixture.lock);
  writeFileSync(join(repo.main, '.gitignore'), 'node_modules/\n');
  repo.git(['add', '-A']);
  repo.git(['commit', '-q', '-m', 'dependencies']);
  const env = {
    ...repo.env,
    npm_config_cache: fixture.npmCache,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_prefer_offline: 'true',
  };
  const npmCi = (cwd) => execFileSync('npm', ['ci', '--ignore-scripts'], { cwd, env, stdio: 'ignore' });
  npmCi(repo.main);
  const packages = Object.keys(JSON.parse(fixture.lock).packages).filter((key) =>
    key.startsWith('node_modules/'),
  ).length;
  const ours = [];
  const raw = [];
  const strategies = new Set();
  const count = Math.max(3, Math.ceil(runs / 3));
  for (let i = 0; i < count; i++) {
    const measureOurs = () => {
      ours.push(
        time(() =>
          execFileSync('node', [helper, 'start', `deps-${i}`, '--copy', 'none'], {
            cwd: repo.main,
            env,
            stdio: 'ignore',
          }),
        ),
      );
      const entry = JSON.parse(readFileSync(join(repo.sessions, '.manifest.json'), 'utf8')).sessions.find(
        (s) => s.id === `deps-${i}`,
      );
      strategies.add(entry?.setup?.dependencies?.strategy ?? 'none');
    };
    const measureRaw = () => {
      const worktree = join(repo.root, 'raw-deps', `d${i}`);
      repo.git(['worktree', 'add', '-q', '-b', `raw-deps-${i}`, worktree, 'main']);
      raw.push(time(() => npmCi(worktree)));
    };
    inTurn(i, measureOurs, measureRaw);
  }
  return {
    name: `session ready with ${packages} packages (start + dependencies: ${[...strategies].join(', ')}) vs npm ci in a fresh worktree`,
    ours: median(ours),
    raw: median(raw),
  };
}

/**
 * git-worktree-runner (`git gtr`, a bash tool that does the same jobs) beside ours and raw git:
 * `gtr new` against start, `gtr list` against status, on the same repository. Found through
 * GTR_DIR (a checkout of github.com/coderabbitai/git-worktree-runner) or `git-gtr` on PATH;
 * the rows say so when it is not there.
 */
function gtrCommand() {
  const candidates = [
    process.env.GTR_DIR && join(process.env.GTR_DIR, 'bin', 'git-gtr'),
    ...(process.env.PATH ?? '').split(':').map((dir) => dir && join(dir, 'git-gtr')),
  ];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}
function benchPeers(repo) {
  const gtr = gtrCommand();
  if (!gtr)
    return [
      {
        name: 'peer git-worktree-runner: not found (set GTR_DIR to a checkout of coderabbitai/git-worktree-runner)',
        ours: null,
        raw: null,
      },
    ];
  const run = (args) => execFileSync(gtr, args, { cwd: repo.main, env: repo.env, stdio: 'ignore' });
  const ours = [];
  const raw = [];
  const peer = [];
  for (let i = 0; i < runs; i++) {
    const sides = [
      () => ours.push(time(() => session(repo, ['start', `peer-${i}`, '--no-setup', '--copy', 'none']))),
      () =>
        raw.push(
          time(() =>
            repo.git(['worktree', 'add', '-q', '-b', `raw-peer-${i}`, join(repo.root, 'raw-peer', `p${i}`), 'main']),
          ),
        ),
      () =>
        peer.push(
          time(() =>
            run([
              'new',
              `gtr-${i}`,
              '--from',
              'main',
              '--no-copy',
              '--no-fetch',
              '--no-hooks',
              '--yes',
              '--track',
              'none',
            ]),
          ),
        ),
    ];
    for (let k = 0; k < sides.length; k++) sides[(i + k) % sides.length]();
  }
  const rows = [
    {
      name: 'start (no setup) vs git worktree add; peer: gtr new',
      ours: median(ours),
      raw: median(raw),
      peer: median(peer),
    },
  ];
  const ids = JSON.parse(session(repo, ['status', '--json'])).sessions.map((s) => s.id);
  for (const id of ids) repo.git(['status', '--porcelain'], join(repo.sessions, id));
  const script = shellLoop(repo, ids);
  const oursStatus = [];
  const rawStatus = [];
  const peerList = [];
  for (let i = 0; i < runs; i++) {
    oursStatus.push(time(() => session(repo, ['status'])));
    rawStatus.push(time(() => execFileSync('bash', ['-c', script], { cwd: repo.main, env: repo.env })));
    peerList.push(time(() => run(['list'])));
  }
  rows.push({
    name: `status, ${ids.length} sessions vs shell loop; peer: gtr list (worktrees and branches only)`,
    ours: median(oursStatus),
    raw: median(rawStatus),
    peer: median(peerList),
  });
  return rows;
}

const fmt = (ms) => (ms === null ? '-' : `${ms.toFixed(0)} ms`);
const results = [];
async function group(name, files, body) {
  if (!wanted(name)) return;
  const repo = makeBenchRepo(files);
  try {
    await body(repo);
  } finally {
    repo.cleanup();
  }
}
await group('start end', undefined, (repo) => {
  results.push(benchFloor(repo));
  results.push(benchStart(repo));
  results.push(benchEnd(repo));
  results.push(benchEndSettled(repo));
});
await group('status', undefined, (repo) => {
  results.push(...benchStatus(repo, 1, 0));
  results.push(...benchStatus(repo, 10, 1));
  results.push(...benchStatus(repo, 50, 10));
  results.push(...benchStatus(repo, 100, 50));
});
await group('leftovers', undefined, (repo) => {
  startSessions(repo, 1, 's1');
  results.push(benchStatusLeftovers(repo));
});
await group('hooks', undefined, (repo) => {
  results.push(...benchHooks(repo));
});
// The agent-state hook reads nothing of the worktree: a small repository keeps 50 worktrees cheap to make.
await group('agent hooks', 500, (repo) => {
  results.push(...benchAgentHooks(repo));
});
await group('concurrent starts', undefined, async (repo) => {
  results.push(await benchConcurrentStarts(repo));
});
await group('land', undefined, (repo) => {
  results.push(benchLand(repo));
});
await group('dependencies', 500, (repo) => {
  results.push(benchDependencies(repo));
});
await group('peers', undefined, (repo) => {
  results.push(...benchPeers(repo));
});

const machine = {
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model ?? 'unknown',
  platform: `${platform()} ${release()}`,
  node: process.version,
  git: execFileSync('git', ['--version'], { encoding: 'utf8' }).trim(),
  date: new Date().toISOString().slice(0, 10),
  runs,
  benchDir,
  // benchEnv (fixture.mjs) hands every process the same few variables: node's start-up is never slowed by the
  // caller's NODE_EXTRA_CA_CERTS or NODE_OPTIONS, for the helper, the hooks and `node -e 0` alike.
  environment: `${Object.keys(benchEnv('/')).join(' ')} only`,
  callerHad: ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'].filter((name) => process.env[name] !== undefined),
};
console.log(
  `machine: ${machine.cpus} cores, ${machine.cpuModel}, ${machine.platform}, node ${machine.node}, ${machine.git}; repositories in ${benchDir}; medians of ${runs} runs`,
);
console.log(
  `environment of every process timed, node -e 0 included: ${machine.environment} (the caller's ${machine.callerHad.length ? `${machine.callerHad.join(' and ')} not passed on` : 'environment had neither NODE_EXTRA_CA_CERTS nor NODE_OPTIONS'})`,
);
console.log('| benchmark | helper | raw git or tool | ratio | overhead | peer | peer ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  const ratio = r.raw && r.ours !== null ? `${(r.ours / r.raw).toFixed(2)}x` : '-';
  const overhead = r.ok === false ? 'FAILED' : r.raw && r.ours !== null ? `${(r.ours - r.raw).toFixed(0)} ms` : '-';
  const peerRatio = r.peer && r.raw ? `${(r.peer / r.raw).toFixed(2)}x` : '-';
  console.log(
    `| ${r.name} | ${fmt(r.ours ?? null)} | ${fmt(r.raw ?? null)} | ${ratio} | ${overhead} | ${fmt(r.peer ?? null)} | ${peerRatio} |`,
  );
}
// A partial run (--only) prints its rows and leaves the full results as they were.
if (only === null) {
  writeFileSync(resultsPath, `${JSON.stringify({ machine, results }, null, 2)}\n`);
  console.log(`wrote ${resultsPath}`);
}
