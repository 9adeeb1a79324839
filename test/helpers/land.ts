/** Fixtures for `session land` tests: sessions with committed work, marked ready, and the land-notice hook as Claude Code runs it. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, type Repo } from './gitdir.js';

export const HOOK = join(ROOT, 'dist/hook.cjs');

/** Starts `name` (no setup, in-process) and commits `files` in it; returns the worktree. */
export async function sessionWith(
  repo: Repo,
  name: string,
  files: Record<string, string>,
  goal = `Goal of ${name}`,
): Promise<string> {
  const started = await repo.cli(['start', name, '--goal', goal, '--no-setup']);
  if (started.exitCode !== 0) throw new Error(`start ${name}: ${started.stdout}${started.stderr}`);
  const worktree = join(repo.sessions, name);
  for (const [path, content] of Object.entries(files)) repo.write(path, content, worktree);
  repo.commitAll(`Work of ${name}`, worktree);
  return worktree;
}

export async function markReady(repo: Repo, ...names: string[]): Promise<void> {
  for (const name of names) {
    const marked = await repo.cli(['ready', name]);
    if (marked.exitCode !== 0) throw new Error(`ready ${name}: ${marked.stdout}${marked.stderr}`);
  }
}

/** The UserPromptSubmit hook (agent-state, which tells the land notice) in `cwd`, as Claude Code runs it: the additional context it adds, or '' when it stays quiet. */
export function landNotice(repo: Repo, cwd: string): string {
  const input = {
    session_id: '9f3c2a4e-1b2d-4c5e-8f90-123456789abc',
    transcript_path: join(repo.root, 'home/t.jsonl'),
    cwd,
    permission_mode: 'default',
    hook_event_name: 'UserPromptSubmit',
    prompt: 'Carry on.',
  };
  const result = spawnSync('node', [HOOK, 'agent-state'], {
    cwd,
    env: repo.env,
    input: JSON.stringify(input),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`the hook exited ${result.status}: ${result.stderr}`);
  if (result.stdout.trim() === '') return '';
  const json = JSON.parse(result.stdout);
  if (json.hookSpecificOutput?.hookEventName !== 'UserPromptSubmit')
    throw new Error(`unexpected hook output: ${result.stdout}`);
  return json.hookSpecificOutput.additionalContext as string;
}

/** The commits on the first-parent line from `from` (exclusive) to `to`, oldest first, each with its parents and subject. */
export function firstParentLine(
  repo: Repo,
  from: string,
  to: string,
): Array<{ commit: string; parents: string[]; subject: string }> {
  return repo
    .git(['rev-list', '--first-parent', '--reverse', '--parents', '--format=%s', `${from}..${to}`])
    .trim()
    .split('\n')
    .reduce<Array<{ commit: string; parents: string[]; subject: string }>>((out, line) => {
      if (line.startsWith('commit ')) {
        const [commit, ...parents] = line.slice('commit '.length).split(' ');
        out.push({ commit: commit!, parents, subject: '' });
      } else if (out.length > 0) out[out.length - 1]!.subject = line;
      return out;
    }, []);
}
