#!/usr/bin/env node
/**
 * Times `session status` (and the hooks) on the built bundle against a generated 5,000-file
 * repository with 1, 10 and 50 sessions. Beside each timing it prints the time of the same git
 * calls issued directly by a sequential shell loop, so the helper's overhead shows as a ratio.
 * Writes the results as JSON. Usage: npm run build && node bench/status.mjs [--out FILE] [--runs N]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = join(ROOT, 'dist/session.mjs');
const HOOK = join(ROOT, 'dist/hook.mjs');
const { values } = parseArgs({ options: { out: { type: 'string' }, runs: { type: 'string' }, files: { type: 'string' }, keep: { type: 'boolean' }, max: { type: 'string' } } });
const RUNS = Number(values.runs ?? 7);
const FILES = Number(values.files ?? 5000);
const COUNTS = [1, 10, 50].filter((n) => n <= Number(values.max ?? 50));

const root = realpathSync(mkdtempSync(join(tmpdir(), 'fr-bench-')));
const main = join(root, 'project');
const sessions = join(root, 'project-sessions');
const env = {
  PATH: process.env.PATH, HOME: root, LANG: 'C', LC_ALL: 'C', TZ: 'UTC', NO_COLOR: '1',
  GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const git = (args, cwd = main) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const write = (path, text) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(program, args, options = {}) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(program, args, { cwd: main, env, encoding: 'utf8', ...options });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed: ${result.stderr}`);
  }
  return median(samples);
}

console.log(`building a ${FILES}-file repository in ${root}`);
mkdirSync(main, { recursive: true });
git(['init', '-q', '-b', 'main']);
for (let i = 0; i < FILES; i++) write(join(main, `src/d${i % 50}/f${i}.txt`), `file ${i}\n`.repeat(20));
git(['add', '-A']);
git(['commit', '-q', '-m', 'initial']);

let made = 0;
function grow(count) {
  for (; made < count; made++) {
    const name = `s${String(made).padStart(2, '0')}`;
    const r = spawnSync('node', [BUNDLE, 'start', name, '--goal', `Bench session ${made}`], { cwd: main, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const wt = join(sessions, name);
    // One file of its own, one file shared with the next session, and an uncommitted edit.
    write(join(wt, `src/d${made % 50}/f${made}.txt`), `changed by ${name}\n`);
    write(join(wt, `src/d0/f${1000 + Math.floor(made / 2)}.txt`), `shared edit by ${name}\n`);
    git(['add', '-A'], wt);
    git(['commit', '-q', '-m', `${name} work`], wt);
    write(join(wt, `src/d1/f${2000 + made}.txt`), 'uncommitted\n');
  }
  // Move main on so every session is behind and merge-tree has work to do.
  write(join(main, 'CHANGELOG.md'), `main at ${count}\n`);
  git(['add', '-A']);
  git(['commit', '-q', '-m', `main moves at ${count}`]);
  settle(count);
}

/**
 * Files written in the same second as the index are "racily clean": git must re-read them on
 * every status until some git command refreshes the index, which read-only status never does.
 * An agent's own git use refreshes it within minutes; the bench does the same once, a second
 * later, to time the steady state (the cold case is timed separately).
 */
function settle(count) {
  execFileSync('sleep', ['1.1']);
  git(['status', '--porcelain']);
  for (let i = 0; i < count; i++) git(['status', '--porcelain'], join(sessions, `s${String(i).padStart(2, '0')}`));
}

/** The same git calls status makes, issued one after another by a shell loop. */
function shellLoopScript(count) {
  const lines = ['set -e', `cd '${main}'`, 'git worktree list --porcelain -z >/dev/null', "git for-each-ref --format='%(refname)%00%(objectname)%00%(committerdate:unix)' refs/heads/ >/dev/null", 'git --no-optional-locks status --porcelain=v1 -z --untracked-files=all >/dev/null'];
  for (let i = 0; i < count; i++) {
    const name = `s${String(i).padStart(2, '0')}`;
    const branch = `session/${name}`;
    lines.push(
      `git -C '${join(sessions, name)}' --no-optional-locks status --porcelain=v1 -z --untracked-files=all >/dev/null`,
      `git rev-list --left-right --count ${branch}...main >/dev/null`,
      `git diff --name-only -z --no-renames main...${branch} -- >/dev/null`,
      `git merge-tree --write-tree -z --name-only --no-messages main ${branch} >/dev/null || true`,
    );
  }
  return lines.join('\n');
}

const results = { startedAt: new Date().toISOString(), machine: { cores: (await import('node:os')).availableParallelism(), node: process.version, git: git(['--version']).trim() }, files: FILES, runs: RUNS, status: [], hooks: null };
for (const count of COUNTS) {
  grow(count);
  const helper = time('node', [BUNDLE, 'status', '--json']);
  const shell = time('bash', ['-c', shellLoopScript(count)]);
  const overlap = time('node', [BUNDLE, 'overlap', '--json']);
  const row = { sessions: count, statusMs: Math.round(helper), shellLoopMs: Math.round(shell), ratio: Number((helper / shell).toFixed(2)), overlapMs: Math.round(overlap) };
  results.status.push(row);
  console.log(`status, ${String(count).padStart(2)} sessions: ${row.statusMs} ms   (same git calls in a shell loop: ${row.shellLoopMs} ms, ratio ${row.ratio});   overlap: ${row.overlapMs} ms`);
  if (count === 10) {
    const wt = join(sessions, 's00');
    const start = JSON.stringify({ session_id: 'x', transcript_path: '/t.jsonl', cwd: wt, hook_event_name: 'SessionStart', source: 'startup' });
    const edit = JSON.stringify({ session_id: 'x', transcript_path: '/t.jsonl', cwd: wt, hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: join(wt, 'src/d0/f1000.txt'), old_string: 'a', new_string: 'b' } });
    const nodeOnly = time('node', ['-e', '0']);
    results.hooks = {
      sessions: 10,
      sessionStartMs: Math.round(time('node', [HOOK, 'session-start'], { input: start })),
      preToolUseMs: Math.round(time('node', [HOOK, 'pre-tool-use'], { input: edit })),
      nodeStartupMs: Math.round(nodeOnly),
    };
    console.log(`hooks, 10 sessions: session-start ${results.hooks.sessionStartMs} ms, pre-tool-use ${results.hooks.preToolUseMs} ms (node -e 0: ${results.hooks.nodeStartupMs} ms)`);
  }
}
const out = values.out ?? join(tmpdir(), 'flight-rules-bench-status.json');
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${out}`);
if (values.keep) console.log(`kept ${root}`);
else rmSync(root, { recursive: true, force: true });
