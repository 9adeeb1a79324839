/** `session overlap` as data and as text, pure. */
import { helper } from '../lib/invocation.js';
import { fileOverlaps, suggestMergeOrder, type FileOverlap, type MergeStep, type PredictedPair } from './overlap.js';
import { changesOf, type ReportProblem } from './status-report.js';
import type { SessionFacts, SessionState } from './session-state.js';

export const PREDICTION_NOTE =
  'Conflict predictions come from git merge-tree and cover committed work only; overlaps cover committed and uncommitted changes.';

export interface OverlapReport {
  repository: boolean;
  session: string | null;
  problems: ReportProblem[];
  sessions: { id: string; state: SessionState; committed: string[]; uncommitted: string[] }[];
  overlaps: FileOverlap[];
  pairs: PredictedPair[];
  mergeOrder: MergeStep[];
  notes: string[];
  next: string[];
}

export function buildOverlapReport(
  sessions: readonly SessionFacts[],
  pairs: readonly PredictedPair[],
  focus: string | null,
): OverlapReport {
  const involves = (ids: string[]) => focus === null || ids.includes(focus);
  const overlaps = fileOverlaps(sessions.map(changesOf)).filter((overlap) =>
    involves(overlap.sessions.map((s) => s.id)),
  );
  const mergeOrder = suggestMergeOrder(
    sessions.map((session) => ({
      id: session.id,
      changedFiles: new Set([...(session.committedFiles ?? []), ...(session.uncommittedFiles ?? [])]).size,
      conflictsWithBase: session.merge?.clean === false,
    })),
    pairs,
  );
  const shownPairs = pairs.filter((pair) => involves([pair.a, pair.b]));
  const notes = [PREDICTION_NOTE];
  if (pairs.some((pair) => pair.method === 'unavailable'))
    notes.push('Some pairs could not be predicted (git 2.38 or newer is needed for merge-tree --write-tree).');
  const next: string[] = [];
  if (shownPairs.some((pair) => pair.prediction === 'conflict')) {
    next.push(
      `Merge in the suggested order: ${mergeOrder.map((step) => step.id).join(', ')}; after each merge, \`${helper('sync <name>')}\` the sessions it conflicts with.`,
    );
  }
  if (overlaps.length > 0) next.push('Agree which session owns each shared file before both change it further.');
  return {
    repository: true,
    session: focus,
    problems: [],
    sessions: sessions.map((session) => ({
      id: session.id,
      state: session.state,
      committed: [...(session.committedFiles ?? [])],
      uncommitted: [...(session.uncommittedFiles ?? [])],
    })),
    overlaps,
    pairs: shownPairs,
    mergeOrder,
    notes,
    next,
  };
}

function how(entry: FileOverlap['sessions'][number]): string {
  const kinds = [entry.committed ? 'committed' : null, entry.uncommitted ? 'uncommitted' : null]
    .filter(Boolean)
    .join('+');
  return `${entry.id} (${kinds})`;
}

export function renderOverlap(report: OverlapReport): string {
  const out: string[] = report.problems.map((problem) => `✗ ${problem.message}`);
  if (!report.repository) return [...out, '', `Next: ${report.problems.map((p) => p.next).join(' ')}`].join('\n');
  const scope = report.session
    ? `session ${report.session}`
    : `${report.sessions.length} active session${report.sessions.length === 1 ? '' : 's'}`;
  if (report.overlaps.length === 0) out.push(`✓ No file is changed by more than one session (${scope}).`);
  else {
    out.push(
      `! ${report.overlaps.length} file${report.overlaps.length === 1 ? '' : 's'} changed by more than one session (${scope}):`,
    );
    for (const overlap of report.overlaps) out.push(`  ${overlap.file}: ${overlap.sessions.map(how).join(', ')}`);
  }
  const conflicts = report.pairs.filter((pair) => pair.prediction === 'conflict');
  const unknown = report.pairs.filter((pair) => pair.prediction === 'unknown');
  const checked = report.pairs.filter((pair) => pair.method === 'merge-tree');
  if (report.pairs.length > 0) {
    out.push('');
    if (conflicts.length === 0)
      out.push(
        `✓ No predicted conflict between sessions (${report.pairs.length} pair${report.pairs.length === 1 ? '' : 's'}, ${checked.length} checked with merge-tree; the rest cannot conflict, their committed changes do not meet).`,
      );
    else {
      out.push(`! Predicted conflicts between sessions:`);
      for (const pair of conflicts) out.push(`  ${pair.a} × ${pair.b}: ${pair.conflicts.join(', ')}`);
    }
    for (const pair of unknown) out.push(`- ${pair.a} × ${pair.b}: not predicted`);
  }
  if (report.mergeOrder.length > 1) {
    out.push('', 'Suggested merge order:');
    report.mergeOrder.forEach((step, i) => out.push(`  ${i + 1}. ${step.id}: ${step.reason}`));
  }
  out.push('', ...report.notes.map((note) => `- ${note}`));
  if (report.next.length > 0) out.push('', 'Next:', ...report.next.map((step) => `  - ${step}`));
  return out.join('\n');
}
