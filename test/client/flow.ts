/**
 * Small readers shared by the flow tests: what a tool call printed and how it exited, the permission prompts a run
 * raised, and waiting for a folder the helper left to its caller's shell to go.
 */
import { existsSync } from 'node:fs';
import type { ToolExchange } from './messages.js';
import type { ClientRun } from './runner.js';
import { snapshot, type Repo } from '../helpers/gitdir.js';

/** The exit code the Bash tool reports: 0 unless its result starts with `Exit code N`. */
export function exitOf(exchange: ToolExchange): number {
  const match = /^Exit code (\d+)\n/.exec(exchange.output);
  return match ? Number(match[1]) : 0;
}

/** The one JSON document a `--json` helper call printed, read past the tool's `Exit code N` line. */
export function jsonOf(exchange: ToolExchange): any {
  const text = exchange.output.replace(/^Exit code \d+\n/, '');
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the tool result is not one JSON document:\n${exchange.output}`);
  }
}

/** Every prompt the run raised (approved by the stand-in user) and every call it denied, as commands or paths. */
export function permissionAsks(run: ClientRun): string[] {
  const describe = (tool: string, input: Record<string, unknown>) =>
    `${tool}: ${String(input.command ?? input.file_path ?? JSON.stringify(input))}`;
  return [
    ...run.asks.map((ask) => describe(ask.tool_name, ask.tool_input)),
    ...run.result.permission_denials.map((denial) => `denied ${describe(denial.tool_name, denial.tool_input)}`),
  ];
}

/** Waits up to five seconds for `path` to go (the folder a tool's shell stood in goes once that shell exits). */
export async function gone(path: string): Promise<boolean> {
  for (let i = 0; i < 50 && existsSync(path); i++) await new Promise((done) => setTimeout(done, 100));
  return !existsSync(path);
}

/** The worktree paths git lists. */
export function worktreePaths(repo: Repo): string[] {
  return repo
    .git(['worktree', 'list', '--porcelain'])
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
}

/** Whether `ref` names anything. */
export function refExists(repo: Repo, ref: string, cwd?: string): boolean {
  try {
    repo.git(['rev-parse', '--verify', '-q', `${ref}^{commit}`], cwd);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every ref, the manifest and every file below the test folder (see `snapshot`), less the index files, which the
 * client's own `git status` at start-up may refresh, the agents' state files and the hook cache files, which the
 * client's hooks write, and the tip comparisons (`.tip-comparisons.json`), which the hooks and the commands'
 * inlined status both keep.
 */
export function stateOf(repo: Repo): Record<string, unknown> {
  const taken = snapshot(repo) as { refs: string; head: string; files: Record<string, string> };
  const hooksOwn = (path: string) =>
    /(^|\/)\.agent-[a-z0-9-]+\.json$/.test(path) || /(^|\/)\.hook-(cache|layouts)\.json$/.test(path);
  const shared = (path: string) => /(^|\/)\.tip-comparisons\.json$/.test(path);
  return {
    ...taken,
    files: Object.fromEntries(
      Object.entries(taken.files).filter(([path]) => !/(^|\/)index$/.test(path) && !hooksOwn(path) && !shared(path)),
    ),
  };
}

/**
 * Status text without its AGENT column (shown once the hooks reported an agent): what a session's agent is doing
 * changes between the moment the client inlined a status and the moment a test prints it again.
 */
export function withoutAgentColumn(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const header = /^(SESSION +STATE +)(AGENT +)\S/.exec(lines[i]!);
    if (!header) continue;
    const from = header[1]!.length;
    const to = from + header[2]!.length;
    for (let j = i; j < lines.length && lines[j] !== ''; j++)
      lines[j] = [...lines[j]!].slice(0, from).join('') + [...lines[j]!].slice(to).join('');
  }
  return lines.join('\n');
}
