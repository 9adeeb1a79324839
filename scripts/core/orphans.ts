/**
 * The orphan check `session start` runs first: sessions that need a decision (resume, clean
 * up, or ignore), each with its age. Built from facts start already has (git's worktree list
 * and the manifest) plus cheap file-system checks, so it adds no git call.
 */
import { isoSeconds } from './format.js';
import { helper } from '../lib/invocation.js';
import type { Manifest, SessionEntry } from './manifest-types.js';
import type { WorktreeRecord } from './worktree-list.js';
import type { WorktreeOf } from './session-lookup.js';
import { ageInWords } from './age.js';
import { classifySession } from './session-state.js';
import { isDirectlyInside } from './paths.js';
import { basename } from 'node:path';

export type OrphanKind = 'orphaned' | 'interrupted-start' | 'interrupted-end' | 'interrupted-sync' | 'unregistered';

export interface OrphanFinding {
  id: string;
  kind: OrphanKind;
  /** Absolute worktree path. */
  worktree: string;
  /** ISO time: the entry's startedAt, or when an unregistered worktree was created; null when unknown. */
  since: string | null;
  /** Whole seconds from `since` to now; null when unknown. */
  ageSeconds: number | null;
  /** "2 days", "5 hours", "just now". */
  age: string | null;
  detail: string;
}

export interface OrphanFacts {
  mainCheckout: string;
  sessionsDir: string;
  manifest: Manifest;
  worktreeOf: WorktreeOf;
  worktrees: WorktreeRecord[];
  folderExists(path: string): boolean;
  /** The one owner-alive rule (lib/process.ts), handed in so this stays pure. */
  liveness(owner: SessionEntry['owner']): 'alive' | 'dead' | 'unknown';
  /** When a worktree was created, for unregistered ones; null when unknown. */
  createdAt(path: string): Date | null;
  now: Date;
}

function aged(since: string | null, now: Date): Pick<OrphanFinding, 'since' | 'ageSeconds' | 'age'> {
  if (!since) return { since: null, ageSeconds: null, age: null };
  const ageSeconds = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000));
  return { since, ageSeconds, age: ageInWords(ageSeconds) };
}

/**
 * What start reports, from the one session-health classifier (session-state.ts) fed with the
 * facts start already has: no branch or uncommitted-work facts, so never `merged`.
 */
export function orphanReport(facts: OrphanFacts): OrphanFinding[] {
  const findings: OrphanFinding[] = [];
  const records = new Map(facts.worktrees.slice(1).map((record) => [record.path, record]));
  const registered = new Set<string>();
  for (const entry of facts.manifest.sessions) {
    const worktree = facts.worktreeOf(entry);
    registered.add(worktree);
    const record = records.get(worktree) ?? null;
    const liveness = entry.status === 'active' ? null : facts.liveness(entry.owner);
    const state = classifySession({
      entry,
      folderExists: facts.folderExists(worktree),
      knownToGit: record !== null,
      locked: record?.locked ?? false,
      prunable: record?.prunable ?? false,
      ownerAlive: liveness === null || liveness === 'unknown' ? null : liveness === 'alive',
      branchTip: null,
      ahead: null,
      uncommitted: null,
      trustProblems: [],
      busy: null,
    });
    const base = { id: entry.id, worktree, ...aged(entry.startedAt, facts.now) };
    if (state === 'orphaned') {
      findings.push({
        ...base,
        kind: 'orphaned',
        detail: facts.folderExists(worktree) ? 'git no longer lists its worktree' : 'its worktree folder is missing',
      });
    } else if (state === 'interrupted') {
      const step = entry.status === 'starting' ? 'start' : entry.status === 'syncing' ? 'sync' : 'end';
      findings.push({
        ...base,
        kind: `interrupted-${step}`,
        detail: `its ${step} was interrupted (process ${entry.owner?.pid ?? 'unknown'} is gone)`,
      });
    }
  }
  for (const record of facts.worktrees.slice(1)) {
    if (registered.has(record.path) || !isDirectlyInside(facts.sessionsDir, record.path) || record.prunable) continue;
    if (!facts.folderExists(record.path)) continue;
    const created = facts.createdAt(record.path);
    findings.push({
      id: basename(record.path),
      kind: 'unregistered',
      worktree: record.path,
      ...aged(created ? isoSeconds(created) : null, facts.now),
      detail: 'a worktree in the sessions folder that the manifest does not list',
    });
  }
  return findings;
}

/** One line per finding for start's human output. */
export function describeOrphan(finding: OrphanFinding): string {
  const age = finding.age ? `, from ${finding.age} ago` : '';
  return `Found an incomplete session "${finding.id}" (${finding.kind}: ${finding.detail}${age}). Resume it, clean up (\`${helper('cleanup')}\`), or ignore it.`;
}
