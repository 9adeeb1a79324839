/**
 * The merge predictions status made before, kept in `<sessions>/.merge-predictions.json` by both tips: a merge of
 * one commit into another always predicts the same, so a session whose branch and base have not moved since the
 * last status is not asked of `git merge-tree` again.
 *
 * Besides the two commits, a prediction depends only on how the repository merges: its config and attribute files
 * (a merge driver such as `merge=union`). Their sizes and times are recorded with the predictions, and a change of
 * either drops them all. The file is read size-capped and never through a symlink; one that cannot be read, or is
 * not exactly ours (another format, project or set of merge settings, an entry of the wrong shape), counts as
 * empty. It is written only when it changed, atomically, never through or over a symlink, and only into a sessions
 * folder that exists: status never creates it, and a failed write is ignored.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { readBoundedText, writeConfinedFile } from '../lib/safe-fs.js';
import { commonGitDir } from '../git/repo.js';
import type { Project } from './project.js';

export const PREDICTION_CACHE_FILE = '.merge-predictions.json';
const FORMAT = 'flight-rules merge predictions';
const VERSION = 1;
const MAX_BYTES = 1024 * 1024;
const MAX_CONFLICTS = 10_000;
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** What status shows of a prediction. */
export interface MergeOutcome {
  clean: boolean;
  conflicts: string[];
}

export interface PredictionCache {
  /** The prediction for merging `theirs` into `ours`, if one was made for exactly these two commits. */
  get(ours: string, theirs: string): MergeOutcome | undefined;
  set(ours: string, theirs: string, outcome: MergeOutcome): void;
  /** Keeps the predictions this run used or made, if that is not what the file holds already. */
  save(): void;
}

const keyOf = (ours: string, theirs: string) => `${ours} ${theirs}`;

function stamp(path: string): string {
  try {
    const stat = lstatSync(path);
    return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    return 'none';
  }
}

/** How the repository merges, as far as the files that say so show it. */
function mergeSettings(commonDir: string, mainCheckout: string): string {
  return [join(commonDir, 'config'), join(commonDir, 'info', 'attributes'), join(mainCheckout, '.gitattributes')].map(stamp).join(' ');
}

function isOutcome(value: unknown): value is MergeOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const { clean, conflicts } = value as Record<string, unknown>;
  if (typeof clean !== 'boolean' || !Array.isArray(conflicts) || conflicts.length > MAX_CONFLICTS) return false;
  if (!conflicts.every((path) => typeof path === 'string' && path.length > 0)) return false;
  return clean ? conflicts.length === 0 : true;
}

/** The entries of a file that is exactly ours for this project and these settings; null for anything else. */
export function parsePredictionCache(text: string, project: string, settings: string): Map<string, MergeOutcome> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  const { format, version, project: owner, settings: recorded, predictions } = doc as Record<string, unknown>;
  if (format !== FORMAT || version !== VERSION || owner !== project || recorded !== settings) return null;
  if (typeof predictions !== 'object' || predictions === null || Array.isArray(predictions)) return null;
  const entries = new Map<string, MergeOutcome>();
  for (const [key, value] of Object.entries(predictions)) {
    const [ours = '', theirs = '', ...rest] = key.split(' ');
    if (rest.length > 0 || !OBJECT_ID.test(ours) || !OBJECT_ID.test(theirs) || !isOutcome(value)) return null;
    entries.set(key, { clean: value.clean, conflicts: [...value.conflicts] });
  }
  return entries;
}

export async function openPredictionCache(project: Project): Promise<PredictionCache> {
  const path = join(project.sessionsDir, PREDICTION_CACHE_FILE);
  const settings = mergeSettings(await commonGitDir(project.mainCheckout), project.mainCheckout);
  let stored: Map<string, MergeOutcome> = new Map();
  try {
    const text = readBoundedText(path, MAX_BYTES);
    if (text !== null) stored = parsePredictionCache(text, project.name, settings) ?? new Map();
  } catch {
    /* a symlink, a folder, a FIFO or a file too large: not ours, not read */
  }
  const kept = new Map<string, MergeOutcome>();
  let made = false;
  return {
    get(ours, theirs) {
      const key = keyOf(ours, theirs);
      const outcome = stored.get(key);
      if (outcome) kept.set(key, outcome);
      return outcome ? { clean: outcome.clean, conflicts: [...outcome.conflicts] } : undefined;
    },
    set(ours, theirs, outcome) {
      kept.set(keyOf(ours, theirs), { clean: outcome.clean, conflicts: [...outcome.conflicts] });
      made = true;
    },
    save() {
      if (!made && kept.size === stored.size) return;
      try {
        if (!lstatSync(project.sessionsDir).isDirectory()) return;
        const predictions = Object.fromEntries([...kept].sort(([a], [b]) => (a < b ? -1 : 1)));
        writeConfinedFile(project.sessionsDir, PREDICTION_CACHE_FILE, `${JSON.stringify({ format: FORMAT, version: VERSION, project: project.name, settings, predictions })}\n`);
      } catch {
        /* no sessions folder, or the name is taken by something that is not ours to write over: the next status predicts again */
      }
    },
  };
}
