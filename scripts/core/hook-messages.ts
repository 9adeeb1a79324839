/** What the Claude Code hooks tell the agent, pure. Claude Code caps hook output at 10,000 characters. */
import { helper } from '../lib/invocation.js';
import { oneLine } from './format.js';

export const MAX_CONTEXT_CHARS = 9_000;

export interface SessionStartFacts {
  id: string;
  branch: string;
  baseBranch: string;
  worktree: string;
  goals: string[];
  sessionLog: string | null;
  behind: number | null;
  behindWarningCommits: number;
  siblings: { id: string; goals: string[]; status: string; worktree: string }[];
}

/** Keeps the text under the cap, cutting at a line and saying so. */
export function capped(text: string, max = MAX_CONTEXT_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 40);
  return `${cut.slice(0, Math.max(0, cut.lastIndexOf('\n')))}\n[... cut; run \`${helper('status')}\` for the rest]`;
}

export function sessionStartContext(facts: SessionStartFacts): string {
  const out = [
    `This is parallel dev session "${facts.id}": branch ${facts.branch}, based on ${facts.baseBranch}, worktree ${facts.worktree}.`,
    'Work and commit only in this worktree; other agents work in the sibling worktrees at the same time.',
  ];
  out.push(
    facts.goals.length > 0
      ? `Goals:\n${facts.goals.map((goal) => `- ${oneLine(goal)}`).join('\n')}`
      : 'Goals: not recorded yet; agree them with the user and add them to the session log.',
  );
  out.push(
    facts.sessionLog
      ? `Session log: ${facts.sessionLog} (in this worktree); keep it up to date.`
      : 'Session log: none yet.',
  );
  if (facts.siblings.length === 0) out.push('No other parallel sessions are running.');
  else {
    out.push(`Other parallel sessions (${facts.siblings.length}); avoid changing the files they work on:`);
    for (const sibling of facts.siblings) {
      const goals = sibling.goals.length > 0 ? sibling.goals.map(oneLine).join('; ') : 'no goals recorded';
      out.push(`- ${sibling.id}${sibling.status === 'active' ? '' : ` (${sibling.status})`}: ${goals}`);
    }
  }
  if (facts.behind !== null && facts.behind > facts.behindWarningCommits) {
    out.push(
      `Warning: this session is ${facts.behind} commits behind ${facts.baseBranch}. Suggest syncing it (/parallel.sync, or \`${helper(`sync ${facts.id}`)}\`) before going much further.`,
    );
  }
  out.push(
    'When the work is done, run /dev-session.end to review, commit and integrate it and to remove this worktree.',
  );
  return capped(out.join('\n'));
}

export interface EditOverlap {
  id: string;
  committed: boolean;
  uncommitted: boolean;
}

export function preToolUseContext(file: string, here: string | null, others: readonly EditOverlap[]): string {
  const named = others.map((other) => {
    const how = [other.committed ? 'in its commits' : null, other.uncommitted ? 'uncommitted in its worktree' : null]
      .filter(Boolean)
      .join(' and ');
    return `"${other.id}" (${how})`;
  });
  const where = here ? `parallel session "${here}"` : 'the main checkout';
  return capped(
    `Warning: ${file} is also changed in parallel session${others.length === 1 ? '' : 's'} ${named.join(', ')}. ` +
      `Editing it in ${where} too may cause a merge conflict later. Keep the change small, tell the user, ` +
      `and run \`${helper('overlap')}\` to see predicted conflicts and a merge order.`,
  );
}
