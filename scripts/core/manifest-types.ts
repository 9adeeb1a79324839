export type SessionStatus = 'starting' | 'active' | 'ending' | 'syncing';

/** The process running a transient step; `since` is its start token (lib/process.ts), `claimedAt` when it took the step on. */
export interface OwnerRecord {
  pid: number;
  host: string;
  since?: string;
  claimedAt?: string;
}

export interface SessionEntry {
  id: string;
  branch: string;
  worktree: string;
  startedAt: string;
  sessionLog: string | null;
  /** SHA-256 of the log stub start wrote: untracked and unchanged, it is the pack's own file. */
  sessionLogDigest?: string;
  goals: string[];
  status: SessionStatus;
  /** The Claude Code conversation started from: `claude --resume <it>` continues it in the worktree. */
  claudeSession?: string;
  owner?: OwnerRecord;
  /** A rebase or merge a sync or `end --rebase` runs in the worktree, recorded before it starts. */
  operation?: SessionOperation;
  base: { branch: string; commit: string };
  lastSyncedAt?: string;
  /** Paths relative to the worktree that the pack put there; not the session's work. */
  packFiles?: string[];
  /** Ports base .. base+count-1 belong to this session. */
  port?: PortBlock;
  /** Ignored files copied from the main checkout at start, relative to the worktree. */
  copiedFiles?: string[];
  /** SHA-256 of each copied file as it was copied, by path: an edited copy is the session's work. */
  copiedDigests?: Record<string, string>;
  /** SHA-256 of each file the pack copied or wrote into the worktree (packFiles), as written: an edited one is work. */
  packDigests?: Record<string, string>;
  /** The last dependency setup in the worktree. */
  setup?: SetupRecord;
  /** A session brought back by `session restore`: the history record it came from. */
  restoredFrom?: RestoredFrom;
  /** Marked finished by `session ready`: it lands only while its branch is still at `tip`. */
  ready?: ReadyMark;
  /** While `session land` lands it (status ending): the base and its commit before the landing. */
  landing?: Landing;
  /** What `session land` moved under this session since it last heard: the UserPromptSubmit hook tells its agent once. */
  landNotice?: LandNotice;
  /** The GitHub issue it was started from: its PR closes it. */
  issue?: IssueLink;
  /** The pull request it was started on: its branch tracks the PR's, and a PR end pushes back there. */
  pr?: PrLink;
}

export interface ReadyMark {
  at: string;
  tip: string;
}

export interface Landing {
  base: string;
  from: string;
  at: string;
}

export interface LandNotice {
  base: string;
  /** The base's commit before the first landing this notice tells of. */
  from: string;
  /** The base's commit after the last one. */
  to: string;
  landed: Array<{ id: string; commit: string }>;
  /** Commits the base gained from `from` to `to`. */
  gained: number;
  /** Commits of the base the session's branch lacks at `to`. */
  behind: number;
  /** Files a merge of the session into the base at `to` would conflict in. */
  conflicts: string[];
  at: string;
}

export interface IssueLink {
  number: number;
  url: string;
  title: string;
}

export interface PrLink extends IssueLink {
  remote: string;
  /** The PR's head branch on the remote. */
  branch: string;
}

export interface RestoredFrom {
  /** How the session had ended (abandon, keep, pr, cleanup-orphan, ...). */
  strategy: string;
  endedAt: string;
  /** Where its branch tip came from: a ref, or the commit a kept branch deleted since was at. */
  savedAs: string;
}

/** A rebase or merge in the worktree: from the branch tip `before`, bringing in `onto`, started at `at`. */
export interface SessionOperation {
  kind: 'rebase' | 'merge';
  before: string;
  onto: string;
  at: string;
}

export interface PortBlock {
  base: number;
  count: number;
}

export interface SetupRecord {
  status: 'ok' | 'failed' | 'skipped' | 'running' | 'interrupted';
  /** One line for people; null when nothing ran. */
  command: string | null;
  /** Relative to the main checkout; null when nothing ran. */
  log: string | null;
  at: string;
  /** While running: the process running it. */
  owner?: OwnerRecord;
  /** How the dependencies came in: cloned from the main checkout's installed tree, or installed. */
  dependencies?: DependencyRecord;
}

export interface DependencyRecord {
  strategy: 'cloned' | 'hardlinked' | 'installed';
  ms: number;
  files?: number;
  bytes?: number;
  why?: string;
}

export interface Manifest {
  version: 1;
  project: string;
  sessions: SessionEntry[];
}

export function emptyManifest(project: string): Manifest {
  return { version: 1, project, sessions: [] };
}

export function findSession(manifest: Manifest, id: string): SessionEntry | undefined {
  return manifest.sessions.find((session) => session.id === id);
}
