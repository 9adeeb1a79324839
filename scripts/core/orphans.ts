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

export type OrphanKind = 'orphaned' | 'interrupted-start' | 'interrupted-end' | 'unregistered';

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

function ownerIsGone(entry: SessionEntry, facts: OrphanFacts): boolean {
  // A transient entry always names its owner; without one nobody will finish it.
  return facts.liveness(entry.owner) === 'dead';
}

export function orphanReport(facts: OrphanFacts): OrphanFinding[] {
  const findings: OrphanFinding[] = [];
  const registered = new Set<string>();
  for (const entry of facts.manifest.sessions) {
    const worktree = facts.worktreeOf(entry);
    registered.add(worktree);
    const base = { id: entry.id, worktree, ...aged(entry.startedAt, facts.now) };
    if (entry.status === 'active') {
      if (!facts.folderExists(worktree)) findings.push({ ...base, kind: 'orphaned', detail: 'its worktree folder is missing' });
    } else if (ownerIsGone(entry, facts)) {
      const what = entry.status === 'starting' ? 'start' : 'end';
      findings.push({ ...base, kind: entry.status === 'starting' ? 'interrupted-start' : 'interrupted-end', detail: `its ${what} was interrupted (process ${entry.owner?.pid ?? 'unknown'} is gone)` });
    }
  }
  for (const record of facts.worktrees.slice(1)) {
    if (registered.has(record.path) || !isDirectlyInside(facts.sessionsDir, record.path) || record.prunable) continue;
    if (!facts.folderExists(record.path)) continue;
    const created = facts.createdAt(record.path);
    const id = record.path.slice(facts.sessionsDir.length + 1);
    findings.push({ id, kind: 'unregistered', worktree: record.path, ...aged(created ? isoSeconds(created) : null, facts.now), detail: 'a worktree in the sessions folder that the manifest does not list' });
  }
  return findings;
}

function isDirectlyInside(folder: string, path: string): boolean {
  return path.startsWith(`${folder}/`) && !path.slice(folder.length + 1).includes('/');
}

/** One line per finding for start's human output. */
export function describeOrphan(finding: OrphanFinding): string {
  const age = finding.age ? `, from ${finding.age} ago` : '';
  return `Found an incomplete session "${finding.id}" (${finding.kind}: ${finding.detail}${age}). Resume it, clean up (\`${helper('cleanup')}\`), or ignore it.`;
}
