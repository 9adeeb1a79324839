#!/usr/bin/env node
// The demo: install the pack into a throwaway sample repository, then do what two agents and
// their user would do: start two parallel sessions, work in both, look at status and overlaps,
// merge one, abandon the other, and bring the abandoned work back with one git command.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pack = fileURLToPath(new URL('..', import.meta.url));
const root = realpathSync(mkdtempSync(join(tmpdir(), 'flight-rules-demo-')));
const project = join(root, 'sample-app');
const sessions = join(root, 'sample-app-sessions');
const helper = join(project, '.claude/commands/flight-rules/session.mjs');
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
  NO_COLOR: '1',
};
delete env.INIT_CWD;

const show = (text) => process.stdout.write(text.replaceAll(root, '<demo>'));
const git = (args, cwd = project) =>
  execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const step = (title) => console.log(`\n\u2500\u2500 ${title}`);
function write(path, content, cwd = project) {
  mkdirSync(dirname(join(cwd, path)), { recursive: true });
  writeFileSync(join(cwd, path), content);
}
function session(args, cwd = project) {
  const where = cwd === project ? '' : `(in ${cwd.replace(root, '<demo>')}) `;
  console.log(
    `${where}$ node .claude/commands/flight-rules/session.mjs ${args.map((a) => (/[^\w./=-]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`,
  );
  try {
    show(execFileSync('node', [helper, ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (error) {
    show(`${error.stdout ?? ''}${error.stderr ?? ''}(exit ${error.status})\n`);
  }
}
function commitIn(name, file, content, message) {
  const worktree = join(sessions, name);
  write(file, content, worktree);
  git(['add', '-A'], worktree);
  git(['commit', '-q', '-m', message], worktree);
  console.log(`(agent in ${name}) edited ${file} and committed: ${message}`);
}

step(`A sample repository at <demo>/sample-app`);
mkdirSync(project);
git(['init', '-q', '-b', 'main']);
write('README.md', '# Sample app\n');
write('.gitignore', '.env\nnode_modules/\n');
write('.env', 'API_KEY=local-only-secret\n');
write('src/auth.js', 'export const login = (user) => `session for ${user}`;\n');
write('src/api.js', 'export const routes = [];\n');
write('docs/progress.md', '# Progress\n');
git(['add', '-A']);
git(['commit', '-q', '-m', 'Initial commit']);
console.log(git(['log', '--oneline']).trim());

step('Install the pack: slash commands, the helper, hooks (then commit .claude/ so every worktree has them)');
show(
  execFileSync(join(pack, 'node_modules/.bin/tsx'), [join(pack, 'install.ts'), project], {
    cwd: pack,
    env,
    encoding: 'utf8',
  }),
);
git(['add', '-A']);
git(['commit', '-q', '-m', 'Add Flight Rules parallel session commands']);

step('Agent A runs /dev-session.start and chooses a parallel session');
session(['start', 'auth-jwt', '--goal', 'Refactor auth to use JWT', '--no-setup']);

step('Agent B starts another one, from a subfolder of the main checkout');
session(['start', 'api-endpoints', '--goal', 'Add new API endpoints', '--no-setup'], join(project, 'src'));

step('Starting a session from inside a session worktree is refused (7.9)');
session(['start', 'nested'], join(sessions, 'auth-jwt'));

step('Both agents work; both happen to touch src/auth.js');
commitIn(
  'auth-jwt',
  'src/auth.js',
  'export const login = (user) => signJwt({ sub: user });\n',
  'Issue JWTs from login',
);
commitIn(
  'api-endpoints',
  'src/auth.js',
  'export const login = (user) => `api session for ${user}`;\n',
  'Name API sessions',
);
commitIn('api-endpoints', 'src/api.js', "export const routes = ['/users', '/orders'];\n", 'Add routes');

step('/parallel.status: every session, what needs attention, and why');
session(['status']);

step('/parallel.overview: overlapping files, predicted conflicts, a merge order');
session(['overlap']);

step('Agent A runs /dev-session.end inside its worktree and merges');
session(['end', '--strategy', 'merge'], join(sessions, 'auth-jwt'));

step('Agent B abandons its session; everything is saved under a ref first');
write('notes.txt', 'an uncommitted idea\n', join(sessions, 'api-endpoints'));
session(['end', 'api-endpoints', '--strategy', 'abandon', '--confirm', 'api-endpoints']);

step('One git command brings the abandoned branch back');
const saved = git(['for-each-ref', '--format=%(refname)', 'refs/sessions/abandoned/api-endpoints/'])
  .trim()
  .split('\n')[0];
console.log(`$ git branch recovered-api ${saved}`);
git(['branch', 'recovered-api', saved]);
console.log(git(['log', '--oneline', 'recovered-api', '-3']).trim());

step('Status afterwards: no sessions, main checkout clean, history kept');
session(['status']);
console.log(readFileSync(join(sessions, '.history.jsonl'), 'utf8').trim().replaceAll(root, '<demo>'));

console.log(`\nEverything above lives in ${root}; delete it when done.`);
