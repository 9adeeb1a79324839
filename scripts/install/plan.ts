/**
 * What an install or uninstall will do, decided from gathered facts without touching the disk. The install record
 * (checksums of what was written, settings entries added) is what lets a rerun tell its own outdated file from one
 * the user changed, and lets uninstall remove exactly what was installed.
 */
import { createHash } from 'node:crypto';
import { foldersAbove } from '../core/paths.js';
import { addUnionLine, removeUnionLine } from './gitattributes.js';
import {
  formatSettings,
  mergeSettings,
  unmergeSettings,
  type JsonObject,
  type PackSettings,
  type SettingsRecord,
} from './settings.js';

export interface InstallRecord {
  version: 1;
  /** Path relative to the install root → sha256 of what was written. */
  files: Record<string, string>;
  settings: (SettingsRecord & { path: string; created: boolean }) | null;
  /** addedNewline: the file did not end in a newline, so one was added before the line; uninstall takes it away. */
  gitattributes: { added: boolean; created: boolean; addedNewline?: boolean };
  /** Folders the install made, removed again by uninstall when empty. */
  createdDirs: string[];
}

export interface InstallFacts {
  /** Files the pack wants, relative to the install root. */
  desired: { path: string; content: string }[];
  /** Current content of every desired or recorded file (null: absent). */
  current: Map<string, string | null>;
  record: InstallRecord | null;
  recordPath: string;
  /**
   * null when this install writes no settings (Cursor only). knownHooks: every hook command this version of the
   * pack writes for this scope, with or without --no-hooks.
   */
  settings: { path: string; current: JsonObject | null; pack: PackSettings; knownHooks: string[] } | null;
  /** null when this install leaves .gitattributes alone. */
  gitattributes: { current: string | null } | null;
  /** The folder of the runtime files, which every install writes (relative to the install root). */
  runtimeDir: string;
  /** Which of the folders this plan may create already exist. */
  existingDirs: Set<string>;
  force: boolean;
}

export type Step =
  | { kind: 'write'; path: string; content: string; note: 'create' | 'update' | 'overwrite-modified' }
  | { kind: 'remove'; path: string }
  | { kind: 'rmdir'; path: string };

export interface Report {
  done: string[];
  kept: string[];
  unchanged: number;
}

export interface Plan {
  steps: Step[];
  report: Report;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function planInstall(facts: InstallFacts): Plan {
  const steps: Step[] = [];
  const report: Report = { done: [], kept: [], unchanged: 0 };
  const previous = facts.record;
  const files: Record<string, string> = { ...previous?.files };

  for (const file of facts.desired) {
    const current = facts.current.get(file.path) ?? null;
    const wanted = sha256(file.content);
    if (current === null) {
      steps.push({ kind: 'write', path: file.path, content: file.content, note: 'create' });
      report.done.push(`created ${file.path}`);
      files[file.path] = wanted;
      continue;
    }
    const has = sha256(current);
    if (has === wanted) {
      report.unchanged++;
      files[file.path] = wanted;
    } else if (previous?.files[file.path] === has) {
      steps.push({ kind: 'write', path: file.path, content: file.content, note: 'update' });
      report.done.push(`updated ${file.path}`);
      files[file.path] = wanted;
    } else if (facts.force) {
      steps.push({ kind: 'write', path: file.path, content: file.content, note: 'overwrite-modified' });
      report.done.push(`overwrote ${file.path} (it had been modified; --force)`);
      files[file.path] = wanted;
    } else {
      report.kept.push(
        `kept ${file.path}: it differs from what this pack installs (modified by you?). Rerun with --force to overwrite it.`,
      );
      delete files[file.path];
    }
  }

  // Runtime files an earlier install wrote that this version no longer has (a bundle renamed): removed while they
  // are exactly what was written, else left to the user, and no longer recorded either way. Command files are
  // left alone: a rerun for another agent does not want them, and they are still that agent's.
  const desiredPaths = new Set(facts.desired.map((file) => file.path));
  for (const [path, checksum] of Object.entries(previous?.files ?? {})) {
    if (desiredPaths.has(path) || !path.startsWith(`${facts.runtimeDir}/`)) continue;
    delete files[path];
    const current = facts.current.get(path) ?? null;
    if (current === null) continue;
    if (sha256(current) === checksum) {
      steps.push({ kind: 'remove', path });
      report.done.push(`removed ${path} (this version of the pack no longer installs it)`);
    } else {
      report.kept.push(
        `kept ${path}: this version of the pack no longer installs it, but it was modified after it was installed; remove it when you no longer need it.`,
      );
    }
  }

  let settingsRecord = previous?.settings ?? null;
  if (facts.settings) {
    const pack = facts.settings.pack;
    // Entries an earlier install added that this version of the pack no longer writes in any form (rules whose
    // shape changed) are this pack's own: take them out. Hooks left out with --no-hooks are not outdated.
    const current = facts.settings.current ?? {};
    const recorded = previous?.settings ?? null;
    const outdated: SettingsRecord = {
      hooks: (recorded?.hooks ?? []).filter((command) => !facts.settings!.knownHooks.includes(command)),
      allow: (recorded?.allow ?? []).filter((rule) => !pack.allow.includes(rule)),
      deny: (recorded?.deny ?? []).filter((rule) => !pack.deny.includes(rule)),
      createdKeys: [],
    };
    const cleaned = unmergeSettings(current, outdated);
    const removed = formatSettings(cleaned) !== formatSettings(current);
    const { settings, added } = mergeSettings(cleaned, pack);
    const addedCount = added.hooks.length + added.allow.length + added.deny.length;
    if (addedCount > 0 || removed) {
      steps.push({
        kind: 'write',
        path: facts.settings.path,
        content: formatSettings(settings),
        note: facts.settings.current ? 'update' : 'create',
      });
      const rules = added.allow.length + added.deny.length;
      if (addedCount > 0)
        report.done.push(
          `${facts.settings.current ? 'added to' : 'created'} ${facts.settings.path}: ${added.hooks.length} hook(s), ${rules} permission rule(s)`,
        );
      if (removed)
        report.done.push(
          `removed from ${facts.settings.path} this pack's outdated entries: ${[...outdated.hooks, ...outdated.allow, ...(outdated.deny ?? [])].join(', ')}`,
        );
    }
    const keep = (list: string[] | undefined, gone: string[] | undefined) =>
      (list ?? []).filter((entry) => !(gone ?? []).includes(entry));
    settingsRecord = {
      path: facts.settings.path,
      created: (recorded?.created ?? false) || facts.settings.current === null,
      hooks: [...new Set([...keep(recorded?.hooks, outdated.hooks), ...added.hooks])],
      allow: [...new Set([...keep(recorded?.allow, outdated.allow), ...added.allow])],
      deny: [...new Set([...keep(recorded?.deny, outdated.deny), ...added.deny])],
      createdKeys: [...new Set([...(recorded?.createdKeys ?? []), ...added.createdKeys])],
    };
  }

  const gitattributes = { ...(previous?.gitattributes ?? { added: false, created: false }) };
  if (facts.gitattributes) {
    const next = addUnionLine(facts.gitattributes.current);
    if (next !== null) {
      steps.push({
        kind: 'write',
        path: '.gitattributes',
        content: next,
        note: facts.gitattributes.current === null ? 'create' : 'update',
      });
      report.done.push(
        'added "docs/progress.md merge=union" to .gitattributes, so appends to progress.md from parallel sessions merge cleanly',
      );
      gitattributes.added = true;
      gitattributes.created ||= facts.gitattributes.current === null;
      const before = facts.gitattributes.current ?? '';
      if (before !== '' && !before.endsWith('\n')) gitattributes.addedNewline = true;
    }
  }

  const written = steps.filter((step) => step.kind === 'write').map((step) => step.path);
  const newDirs = [...new Set([...written, facts.recordPath].flatMap((path) => foldersAbove(path)))].filter(
    (dir) => !facts.existingDirs.has(dir),
  );
  const record: InstallRecord = {
    version: 1,
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))),
    settings: settingsRecord,
    gitattributes,
    createdDirs: [...new Set([...(previous?.createdDirs ?? []), ...newDirs])].sort(),
  };
  const recordText = `${JSON.stringify(record, null, 2)}\n`;
  if (facts.current.get(facts.recordPath) !== recordText) {
    steps.push({ kind: 'write', path: facts.recordPath, content: recordText, note: previous ? 'update' : 'create' });
  }
  return { steps, report };
}

export interface UninstallFacts {
  record: InstallRecord;
  recordPath: string;
  current: Map<string, string | null>;
  settingsCurrent: JsonObject | null;
  gitattributesCurrent: string | null;
}

export function planUninstall(facts: UninstallFacts): Plan {
  const steps: Step[] = [];
  const report: Report = { done: [], kept: [], unchanged: 0 };
  for (const [path, checksum] of Object.entries(facts.record.files)) {
    const current = facts.current.get(path) ?? null;
    if (current === null) continue;
    if (sha256(current) === checksum) {
      steps.push({ kind: 'remove', path });
      report.done.push(`removed ${path}`);
    } else {
      report.kept.push(`kept ${path}: it was modified after it was installed`);
    }
  }
  const settings = facts.record.settings;
  if (settings && facts.settingsCurrent) {
    const next = unmergeSettings(facts.settingsCurrent, settings);
    if (settings.created && Object.keys(next).length === 0) {
      steps.push({ kind: 'remove', path: settings.path });
      report.done.push(`removed ${settings.path}`);
    } else if (formatSettings(next) !== formatSettings(facts.settingsCurrent)) {
      steps.push({ kind: 'write', path: settings.path, content: formatSettings(next), note: 'update' });
      report.done.push(`removed this pack's hooks and permission rules from ${settings.path}`);
    }
  }
  if (facts.record.gitattributes.added && facts.gitattributesCurrent !== null) {
    const removed = removeUnionLine(facts.gitattributesCurrent);
    const next = facts.record.gitattributes.addedNewline && removed.endsWith('\n') ? removed.slice(0, -1) : removed;
    if (next === '' && facts.record.gitattributes.created) {
      steps.push({ kind: 'remove', path: '.gitattributes' });
      report.done.push('removed .gitattributes');
    } else if (next !== facts.gitattributesCurrent) {
      steps.push({ kind: 'write', path: '.gitattributes', content: next, note: 'update' });
      report.done.push('removed "docs/progress.md merge=union" from .gitattributes');
    }
  }
  steps.push({ kind: 'remove', path: facts.recordPath });
  // Deepest first; each is removed only if empty when its turn comes.
  for (const dir of [...facts.record.createdDirs].sort((a, b) => b.length - a.length))
    steps.push({ kind: 'rmdir', path: dir });
  return { steps, report };
}
