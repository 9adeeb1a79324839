/**
 * The one way a session worktree is removed, by every end strategy and by cleanup:
 *
 * 1. Move it aside (a rename in the sessions folder, then `git worktree repair`), so an agent
 *    still writing by path into the worktree cannot add files after the stock is taken.
 * 2. Take stock of everything its branch does not hold (core/inventory.ts).
 * 3. Save it under refs/sessions/… in the main repository, or refuse with the list.
 * 4. Look again right before the removal; if anything changed (a writer whose working folder
 *    was inside), take stock again.
 * 5. Remove it, forced, since nothing it holds is unsaved any more.
 *
 * Any failure before the removal moves the worktree back where it was.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { spawnDetached } from '../lib/shell.js';
import { RefusalError } from '../lib/errors.js';
import { fileDigest } from '../lib/safe-fs.js';
import { commandLine } from '../lib/shell-words.js';
import { droppedNote, takeInventory, untrackedFolders, withoutSlash, type Inventory } from '../core/inventory.js';
import type { SessionEntry } from '../core/manifest-types.js';
import type { SavedRef } from '../core/history-records.js';
import { formatStatusEntry, isIgnored, isPackFile, type StatusEntry } from '../core/status-porcelain.js';
import { detachedWorkRefusal, uncommittedRefusal } from '../core/end-plan.js';
import { commitOnlyHeadHolds } from '../git/branches.js';
import { ownFilesOf, type Project } from '../store/project.js';
import { readStatus } from '../git/changes.js';
import { untrackedMatching } from '../git/ignored.js';
import { findNestedRepositories, nestedEnv, saveNestedRepository } from '../git/nested.js';
import { commonGitDir } from '../git/repo.js';
import { commitFiles, createRefIfAbsent, snapshotWorktree } from '../git/save.js';
import { relocateWorktree, removeWorktree } from '../git/worktrees.js';
import { copyPatterns } from '../workspace/include-matching.js';
import { readIncludeFile } from './start/prepare-workspace.js';

/** Ignored folders that setup or a build recreates: they go with a one-line note. */
export const BUILD_OUTPUT_DIRS = new Set([
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  'dist',
  'build',
  'target',
  '.next',
  '.nuxt',
  '.cache',
  '.turbo',
  '.parcel-cache',
  'coverage',
  '.pytest_cache',
  '.mypy_cache',
  '.gradle',
  '.tox',
]);

const isBuildOutput = (path: string) => BUILD_OUTPUT_DIRS.has(basename(withoutSlash(path)));

/** Beyond these, the other ignored files go with the worktree, named in its note. */
const KEPT_IGNORED_FILE_BYTES = 1024 * 1024;
const KEPT_IGNORED_FILES = 500;
const KEPT_IGNORED_TOTAL_BYTES = 16 * 1024 * 1024;

/** The files and symlinks among `paths` small enough to keep, within the count and size caps. */
function smallFiles(folder: string, paths: readonly string[]): string[] {
  const kept: string[] = [];
  let total = 0;
  for (const path of paths) {
    const stat = lstatSync(join(folder, path), { throwIfNoEntry: false });
    if (!stat || !(stat.isFile() || stat.isSymbolicLink()) || stat.size > KEPT_IGNORED_FILE_BYTES) continue;
    if (kept.length >= KEPT_IGNORED_FILES || total + stat.size > KEPT_IGNORED_TOTAL_BYTES) break;
    kept.push(path);
    total += stat.size;
  }
  return kept;
}

export interface RemovalSpec {
  project: Project;
  entry: SessionEntry;
  /** The worktree's real path. */
  worktree: string;
  /** `clean`: uncommitted work refuses (merge, keep, pr, cleanup); `abandon`: everything is saved. */
  mode: 'clean' | 'abandon';
  /** Saved refs are named `<refBase>-worktree`, `<refBase>-ignored`, `<refBase>-nested/<n>/…`. */
  refBase: string;
  /** For ref messages: what removes it. */
  reason: string;
  /**
   * The folder the calling shell stands in, when it lies inside the worktree and the caller is
   * an agent's tool call (its shell checks its folder right after the command): that folder, and
   * those above it in the worktree, are left in place, empty, until that shell has exited.
   */
  callerFolder?: string | null;
}

export interface SavedItem {
  what: 'changes' | 'ignored' | 'nested';
  ref: string;
  /** The paths it holds, relative to the worktree (for nested: the repository's folder). */
  paths: string[];
  /** How to get it back, as one command line. */
  restore: string;
}

/** The saved items as history records them: each ref, and for a nested repository its folder. */
export function savedRefsOf(items: readonly SavedItem[]): SavedRef[] {
  return items.map((item) =>
    item.what === 'nested'
      ? { what: item.what, ref: item.ref, path: item.paths[0]! }
      : { what: item.what, ref: item.ref },
  );
}

export interface RemovalResult {
  saved: SavedItem[];
  /** What went without being saved, for people; null when nothing did. */
  droppedNote: string | null;
  /** A writer created the worktree folder again after it was moved aside; those files are still there. */
  recreated: boolean;
  /** The empty folders left for the calling shell, removed once it exits; empty when none. */
  leftForCaller: string[];
}

function lstatKey(path: string): string {
  try {
    const stat = lstatSync(path);
    return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    return 'missing';
  }
}

/** Changes to watch for between the stock and the removal: the status itself and each listed file's stat. */
function fingerprint(folder: string, status: readonly StatusEntry[], inventory: Inventory): string {
  const watched = [
    ...status
      .filter((entry) => !isIgnored(entry))
      .map((entry) => `${entry.code} ${entry.path} ${lstatKey(join(folder, entry.path))}`),
    ...inventory.ignoredKept.map((path) => `!! ${path} ${lstatKey(join(folder, path))}`),
    ...inventory.nested.map(
      (repo) => `nested ${repo.path} ${repo.localCommits} ${repo.dirty} ${lstatKey(join(folder, repo.path, '.git'))}`,
    ),
  ];
  return watched.sort().join('\n');
}

async function inventoryOf(
  project: Project,
  entry: SessionEntry,
  folder: string,
): Promise<{ status: StatusEntry[]; inventory: Inventory }> {
  const status = await readStatus(folder, { ignored: true, skipSubmodules: true, hidden: true });
  const folders = untrackedFolders(status).filter((folder) => !(folder.ignored && isBuildOutput(folder.path)));
  const nested = await findNestedRepositories(folder, folders);
  const ignored = status.filter(isIgnored).map((item) => item.path);
  // The ignored entries outside build outputs: only these are walked, so a build output folder never is.
  const lookIn = ignored.filter((path) => !isBuildOutput(path));
  const own = ownFilesOf(entry, folder);
  const copied = new Map<string, string | null>(
    (entry.copiedFiles ?? []).map((path) => [path, entry.copiedDigests?.[path] ?? null]),
  );
  // The pack's own files are looked at the same way: kept when edited since they were written.
  for (const [path, digest] of Object.entries(entry.packDigests ?? {})) if (!copied.has(path)) copied.set(path, digest);
  // Two walks of them, side by side: the files the copy rules name, and every ignored file there (of which the small ones are kept too: a services/api/.env or a secrets/dev.pem the
  // copy rules do not name has no copy anywhere else). A file start copied or wrote is looked at by its digest
  // below whatever the walks say, so when those are all there is (.env.session, the copied .env), nothing is walked.
  const walk = lookIn.some((path) => path.endsWith('/') || !copied.has(path));
  const rules = walk
    ? copyPatterns(readIncludeFile(project.mainCheckout).text, project.config.copy, project.mainCheckout)
    : null;
  const literalPaths = lookIn.map(withoutSlash);
  const [named, walked] = await Promise.all([
    rules && rules.patterns.length > 0
      ? untrackedMatching(folder, { patterns: rules.patterns, literalPaths })
      : Promise.resolve([]),
    walk ? untrackedMatching(folder, { standard: true, literalPaths }) : Promise.resolve([]),
  ]);
  const matching = [...named];
  // What start copied is looked at too, whichever rule named it (--copy lists paths, not patterns).
  for (const path of copied.keys()) if (!matching.includes(path) && existsSync(join(folder, path))) matching.push(path);
  const others = walked.filter(
    (path) =>
      !matching.includes(path) &&
      !isPackFile(path, own) &&
      !path.split('/').some((step) => BUILD_OUTPUT_DIRS.has(step)),
  );
  matching.push(...smallFiles(folder, others));
  const digestNow = new Map<string, string>();
  for (const path of matching) {
    const digest = fileDigest(join(folder, path));
    if (digest) digestNow.set(path, digest);
  }
  return {
    status,
    inventory: takeInventory(status, own, nested, { matching, copied, digestNow, walked }),
  };
}

/** Saves what the stock holds under `<refBase>-…` refs of the main repository. */
async function saveInventory(
  spec: RemovalSpec,
  folder: string,
  status: readonly StatusEntry[],
  inventory: Inventory,
  round: number,
): Promise<SavedItem[]> {
  const main = spec.project.mainCheckout;
  const base = round === 1 ? spec.refBase : `${spec.refBase}-again${round}`;
  const saved: SavedItem[] = [];
  // A repository inside the worktree would go into the snapshot as a bare link; it is saved whole below.
  const nestedPaths = inventory.nested.filter((repo) => repo.kind === 'repository').map((repo) => repo.path);
  if (spec.mode === 'abandon' && inventory.changes.length > 0) {
    const untrackedPack = status
      .filter((item) => item.code === '??' && !inventory.changes.includes(item))
      .map((item) => item.path);
    const snapshot = await snapshotWorktree(
      folder,
      [...untrackedPack, ...nestedPaths],
      `Abandoned session ${spec.entry.id}: its uncommitted work`,
      {},
      inventory.changes.filter((item) => item.hiddenBy).map((item) => item.path),
    );
    const ref = `${base}-worktree`;
    if (!(await createRefIfAbsent(main, ref, snapshot, `${spec.reason}: uncommitted work`))) throw saveFailed(ref);
    saved.push({
      what: 'changes',
      ref,
      paths: inventory.changes.map(formatStatusEntry),
      restore: `${commandLine(['git', 'stash', 'apply', ref])}   (inside a checkout of ${spec.entry.branch})`,
    });
  }
  if (inventory.ignoredKept.length > 0) {
    const commit = await commitFiles(
      folder,
      inventory.ignoredKept,
      `Session ${spec.entry.id}: ignored or pack files it changed or made (${inventory.ignoredKept.length})`,
    );
    const ref = `${base}-ignored`;
    if (!(await createRefIfAbsent(main, ref, commit, `${spec.reason}: ignored files`))) throw saveFailed(ref);
    saved.push({
      what: 'ignored',
      ref,
      paths: [...inventory.ignoredKept],
      restore: `${commandLine(['git', 'archive', ref])} | tar -x -C <folder>   (or: ${commandLine(['git', 'show', `${ref}:${inventory.ignoredKept[0]!}`])} > ${commandLine([inventory.ignoredKept[0]!])})`,
    });
  }
  const into = await commonGitDir(main);
  for (const [index, repo] of inventory.nested.entries()) {
    const nestedFolder = join(folder, repo.path);
    const snapshot = repo.dirty
      ? await snapshotWorktree(
          nestedFolder,
          [],
          `Session ${spec.entry.id}: uncommitted work in ${repo.path}`,
          nestedEnv(nestedFolder),
        )
      : null;
    const prefix = `${base}-nested/${index + 1}`;
    await saveNestedRepository(nestedFolder, into, prefix, snapshot);
    saved.push({
      what: 'nested',
      ref: prefix,
      paths: [repo.path],
      restore: `${commandLine(['git', 'init', '-q', `<folder for ${repo.path}>`])} && ${commandLine(['git', '-C', `<folder for ${repo.path}>`, 'fetch', '-q', main, `+${prefix}/*:refs/saved/*`])}   (then check out refs/saved/HEAD; refs/saved/worktree is its uncommitted work, for git stash apply)`,
    });
  }
  return saved;
}

function saveFailed(ref: string): RefusalError {
  return new RefusalError(
    'save-failed',
    `Could not create ${ref} to save the session's work; nothing was removed.`,
    'Check the repository (git for-each-ref refs/sessions/), then run the same command again.',
  );
}

/** Moves the worktree to a hidden name beside it and tells git; returns the new path, or the old one if it cannot move. */
async function moveAside(main: string, worktree: string): Promise<string> {
  const aside = join(dirname(worktree), `.${basename(worktree)}.removing-${process.pid}`);
  const moved = await relocateWorktree(
    main,
    aside,
    () => {
      try {
        renameSync(worktree, aside);
        return true;
      } catch {
        return false; // removed where it stands
      }
    },
    () => renameSync(aside, worktree),
  );
  return moved ? aside : worktree;
}

async function moveBack(main: string, aside: string, worktree: string): Promise<void> {
  if (aside === worktree || existsSync(worktree)) return;
  await relocateWorktree(
    main,
    worktree,
    () => (renameSync(aside, worktree), true),
    () => renameSync(worktree, aside),
  );
}

/**
 * `<folder>.saved`, beside the folder git is about to remove: written once everything in it is
 * saved or committed, so that cleanup, finding the removal cut short, finishes it instead of
 * putting a half-deleted worktree back.
 */
export function removalMarkOf(folder: string): string {
  return `${folder}.saved`;
}

async function removeMarked(main: string, folder: string): Promise<void> {
  const mark = removalMarkOf(folder);
  writeFileSync(mark, `${JSON.stringify({ folder, pid: process.pid, at: new Date().toISOString() })}\n`);
  await removeWorktree(main, folder, true);
  rmSync(mark, { force: true });
}

/** Uncommitted work, or a repository of its own, refuses a clean removal. */
function refuseUnsaved(spec: RemovalSpec, inventory: Inventory): void {
  if (spec.mode === 'clean' && inventory.changes.length > 0)
    throw uncommittedRefusal(spec.entry.id, spec.worktree, inventory.changes);
  if (spec.mode === 'clean' && inventory.nested.some((repo) => repo.kind === 'repository')) {
    const paths = inventory.nested.filter((repo) => repo.kind === 'repository').map((repo) => repo.path);
    throw new RefusalError(
      'unsaved-work',
      `The session "${spec.entry.id}" holds git repositories of its own that its branch does not: ${paths.join(', ')}.`,
      `Move them out of ${spec.worktree}, or end with --strategy abandon --confirm ${spec.entry.id} to save them under refs/sessions/.`,
      { nested: paths },
    );
  }
}

/** Steps 1 and 2: the worktree moved aside and its stock taken, nothing saved or removed yet. */
export interface RemovalStock {
  spec: RemovalSpec;
  aside: string;
  taken: { status: StatusEntry[]; inventory: Inventory };
}

/**
 * Moves the worktree aside and takes its stock; refuses (and moves it back) when a clean removal
 * finds work. Nothing is saved or removed: `removeWithStock` goes on from here, `putBack` undoes it.
 */
export async function takeRemovalStock(spec: RemovalSpec): Promise<RemovalStock> {
  const main = spec.project.mainCheckout;
  const aside = await moveAside(main, spec.worktree);
  try {
    // Commits only a detached HEAD holds would go with the worktree: no removal takes them. Asked beside the
    // inventory, which only reads; that refusal comes first whatever the inventory found.
    const inventory = inventoryOf(spec.project, spec.entry, aside);
    inventory.catch(() => undefined);
    const unheld = await commitOnlyHeadHolds(aside);
    if (unheld) {
      // Settled before the worktree is moved back, so no read of it is left running.
      await inventory.catch(() => undefined);
      throw detachedWorkRefusal(spec.worktree, unheld, spec.entry.branch);
    }
    const taken = await inventory;
    refuseUnsaved(spec, taken.inventory);
    return { spec, aside, taken };
  } catch (error) {
    await moveBack(main, aside, spec.worktree).catch(() => undefined);
    throw error;
  }
}

/** Moves a worktree whose stock was taken back where it was: the removal does not go on. */
export async function putBack(stock: RemovalStock): Promise<void> {
  await moveBack(stock.spec.project.mainCheckout, stock.aside, stock.spec.worktree);
}

export async function removeSessionWorktree(spec: RemovalSpec): Promise<RemovalResult> {
  return removeWithStock(await takeRemovalStock(spec));
}

/** Steps 3 to 5, from a stock taken: save, look again, remove. */
export async function removeWithStock(stock: RemovalStock): Promise<RemovalResult> {
  const { spec, aside } = stock;
  const main = spec.project.mainCheckout;
  const saved: SavedItem[] = [];
  let inventory: Inventory | null = null;
  try {
    let taken = stock.taken;
    for (let round = 1; ; round++) {
      inventory = taken.inventory;
      refuseUnsaved(spec, inventory);
      const before = fingerprint(aside, taken.status, inventory);
      const savedNow = await saveInventory(spec, aside, taken.status, inventory, round);
      saved.push(...savedNow);
      if (savedNow.length === 0) break;
      // Saving took time: look again right before the removal, and save again if anything changed.
      const again = await inventoryOf(spec.project, spec.entry, aside);
      if (fingerprint(aside, again.status, again.inventory) === before) break;
      if (round >= 3)
        throw new RefusalError(
          'worktree-changing',
          `Files in ${spec.worktree} kept changing while the session ended, so it was not removed; what was saved so far is under ${spec.refBase}-*.`,
          'Stop whatever still writes there (an agent, a watcher, a dev server), then run the same command again.',
        );
      taken = again;
    }
  } catch (error) {
    await moveBack(main, aside, spec.worktree).catch(() => undefined);
    throw error;
  }
  const keep = callerChain(spec.worktree, spec.callerFolder ?? null);
  if (keep === null || aside === spec.worktree) {
    await removeMarked(main, aside);
    return {
      saved,
      droppedNote: inventory ? droppedNote(inventory) : null,
      recreated: aside !== spec.worktree && existsSync(spec.worktree),
      leftForCaller: [],
    };
  }
  const recreated = existsSync(spec.worktree);
  // Everything but the caller's folders moves into a second folder, which git removes; the
  // emptied folders go back where the caller's shell expects them, and go once it exits.
  const doomed = hollowPath(spec.worktree);
  await relocateWorktree(
    main,
    doomed,
    () => (hollowOut(aside, doomed, keep), true),
    () => mergeBack(doomed, aside),
  );
  await removeMarked(main, doomed);
  const left = recreated ? [] : keptFolders(spec.worktree, keep);
  if (!recreated) renameSync(aside, spec.worktree);
  removeWhenCallerExits(spec.project.sessionsDir, recreated ? keptFolders(aside, keep) : left);
  return {
    saved,
    droppedNote: inventory ? droppedNote(inventory) : null,
    recreated,
    leftForCaller: recreated ? keptFolders(aside, keep) : left,
  };
}

/** `.<name>.removed-<pid>`: where a worktree's contents go to be removed while its folder stays for the caller. */
export function hollowPath(worktree: string): string {
  return join(dirname(worktree), `.${basename(worktree)}.removed-${process.pid}`);
}

/** The steps from the worktree's top folder down to the caller's folder, or null when the caller is elsewhere. */
function callerChain(worktree: string, callerFolder: string | null): string[] | null {
  if (!callerFolder) return null;
  const rel = relative(worktree, callerFolder);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel === '' ? [] : rel.split(sep);
}

/** Moves everything in `from` into `to`, but the folders on `chain`, which stay (emptied the same way). */
function hollowOut(from: string, to: string, chain: readonly string[]): void {
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    if (chain.length > 0 && name === chain[0]) hollowOut(join(from, name), join(to, name), chain.slice(1));
    else renameSync(join(from, name), join(to, name));
  }
}

/** Puts back what was moved out of a worktree's folder (kept for its caller) into that folder. */
export function mergeBack(from: string, into: string): void {
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(into, name);
    if (!existsSync(target)) renameSync(source, target);
    else if (statSync(source).isDirectory() && statSync(target).isDirectory()) mergeBack(source, target);
  }
  removeEmptyFolders(from);
}

/** rmdir, deepest first, of a tree of empty folders; stops at the first that is not empty. */
export function removeEmptyFolders(path: string): void {
  for (const name of readdirSync(path)) removeEmptyFolders(join(path, name));
  rmdirSync(path);
}

/** The kept folders, deepest first, as they will stand once moved back. */
function keptFolders(worktree: string, chain: readonly string[]): string[] {
  const folders = [worktree];
  for (const step of chain) folders.push(join(folders[folders.length - 1]!, step));
  return folders.reverse();
}

/**
 * Removes the emptied folders once the calling shell (this process's parent) has exited, or
 * after a minute at most. `rmdir` removes only empty folders, so anything written there since
 * stays, and cleanup reports it.
 */
function removeWhenCallerExits(cwd: string, folders: readonly string[]): void {
  if (folders.length === 0) return;
  const script =
    'p=$1; shift; i=0; while kill -0 "$p" 2>/dev/null && [ "$i" -lt 600 ]; do sleep 0.1; i=$((i+1)); done; for d in "$@"; do rmdir "$d" 2>/dev/null; done';
  spawnDetached(cwd, 'sh', ['-c', script, 'sh', String(process.ppid), ...folders]);
}
