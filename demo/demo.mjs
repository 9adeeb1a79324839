#!/usr/bin/env node
// The demo: a throwaway sample repository, two parallel sessions started in it, and what they look like.
// It uses the built helper (dist/session.mjs) exactly as an installed project would.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const helper = fileURLToPath(new URL('../dist/session.mjs', import.meta.url));
const root = realpathSync(mkdtempSync(join(tmpdir(), 'flight-rules-demo-')));
const project = join(root, 'sample-app');
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
};

const git = (...args) => execFileSync('git', args, { cwd: project, env, encoding: 'utf8' });
const step = (title) => console.log(`\n\u2500\u2500 ${title}`);
function session(args, cwd = project) {
  console.log(`$ node session.mjs ${args.map((a) => (/[^\w./-]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  try {
    process.stdout.write(execFileSync('node', [helper, ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (error) {
    process.stdout.write(`${error.stdout ?? ''}${error.stderr ?? ''}(exit ${error.status})\n`);
  }
}
function write(path, content) {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), content);
}

step(`A sample repository at ${project}`);
mkdirSync(project);
git('init', '-q', '-b', 'main');
write('README.md', '# Sample app\n');
write('src/auth.js', 'export const login = () => "session";\n');
write('src/api.js', 'export const routes = [];\n');
write('docs/progress.md', '# Progress\n');
git('add', '-A');
git('commit', '-q', '-m', 'Initial commit');
console.log(git('log', '--oneline').trim());

step('Agent A starts a parallel session');
session(['start', 'auth-jwt', '--goal', 'Refactor auth to use JWT']);

step('Agent B starts another one, from a subfolder of the main checkout');
session(['start', 'api-endpoints', '--goal', 'Add new API endpoints'], join(project, 'src'));

step('Starting a session from inside a session worktree is refused (7.9)');
session(['start', 'nested'], join(root, 'sample-app-sessions', 'auth-jwt'));

step('The sessions git knows about');
console.log(git('worktree', 'list').trim().replaceAll(root, '<demo>'));

step('The manifest both agents share');
console.log(readFileSync(join(root, 'sample-app-sessions', '.manifest.json'), 'utf8').trim());

console.log(`\nEverything above lives in ${root}; delete it when done.`);
