export type SessionStatus = 'starting' | 'active' | 'ending';

export interface SessionEntry {
  id: string;
  branch: string;
  worktree: string;
  startedAt: string;
  sessionLog: string | null;
  goals: string[];
  status: SessionStatus;
  owner?: { pid: number; host: string };
  base: { branch: string; commit: string };
  lastSyncedAt?: string;
  /** Paths relative to the worktree that the pack put there; not the session's work. */
  packFiles?: string[];
  /** Ports base .. base+count-1 belong to this session. */
  port?: PortBlock;
  /** Ignored files copied from the main checkout at start, relative to the worktree. */
  copiedFiles?: string[];
  /** The last dependency setup in the worktree. */
  setup?: SetupRecord;
}

export interface PortBlock {
  base: number;
  count: number;
}

export interface SetupRecord {
  status: 'ok' | 'failed' | 'skipped';
  /** One line for people; null when nothing ran. */
  command: string | null;
  /** Relative to the main checkout; null when nothing ran. */
  log: string | null;
  at: string;
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
