/**
 * `status --watch`: the status drawn again whenever what it reads changes (the manifest and the
 * agents' state files in the sessions folder, refs, worktrees' HEADs and operations in the git
 * dir), and at least every REFRESH_MS so ages move on. Node's own fs.watch, no dependency. A
 * frame identical to the one on screen is not drawn again, and nothing here writes where it
 * watches but the comparisons status keeps (store/comparison-cache.ts), whose changes are
 * not listened to, so a redraw never triggers another. Ends on SIGINT, SIGTERM or SIGHUP.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { COMPARISON_CACHE_FILE } from '../../store/comparison-cache.js';

const DEBOUNCE_MS = 150;
export const REFRESH_MS = 30_000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface WatchTarget {
  path: string;
  recursive: boolean;
}

/** What a status depends on: the sessions folder, and the git dir's refs, worktrees and own files. */
export function watchTargets(sessionsDir: string | null, commonDir: string | null): WatchTarget[] {
  return [
    ...(sessionsDir ? [{ path: sessionsDir, recursive: false }] : []),
    ...(commonDir
      ? [
          { path: commonDir, recursive: false },
          { path: join(commonDir, 'refs'), recursive: true },
          { path: join(commonDir, 'worktrees'), recursive: true },
        ]
      : []),
  ];
}

/** Files whose coming and going announces a change rather than making one, the hooks' cache files, which status does not read, and the comparisons status itself keeps. */
const NOISE = /(\.lock|\.tmp|\.stale)$|^\.hook-(cache|layouts)\.json$/;
const isNoise = (name: string) => NOISE.test(name) || name === COMPARISON_CACHE_FILE;

export interface WatchIo {
  /** The frame's text: one whole status. */
  render: () => Promise<string>;
  /** Where the frames go; a terminal gets each on a cleared screen. */
  write: (text: string) => void;
  isTTY: boolean;
  /** A line above each frame. */
  header: () => string;
  targets: () => WatchTarget[];
}

/** Draws until a stop signal comes; resolves with the number of frames drawn. */
export function watchStatus(io: WatchIo): Promise<number> {
  return new Promise((resolve) => {
    const watchers = new Map<string, FSWatcher>();
    let stopped = false;
    let drawing = false;
    let again = false;
    let last: string | null = null;
    let frames = 0;
    let debounce: NodeJS.Timeout | null = null;

    const arm = () => {
      for (const target of io.targets()) {
        if (watchers.has(target.path) || !existsSync(target.path)) continue;
        const onChange = (_event: string, name: string | Buffer | null) => {
          if (name && isNoise(String(name))) return;
          schedule();
        };
        let watcher: FSWatcher;
        try {
          watcher = watch(target.path, { recursive: target.recursive, persistent: true }, onChange);
        } catch {
          try {
            watcher = watch(target.path, { persistent: true }, onChange);
          } catch {
            continue; // the refresh timer still redraws
          }
        }
        // A folder that goes away ends its watcher; the next frame arms it again if it comes back.
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(target.path);
        });
        watchers.set(target.path, watcher);
      }
    };

    const draw = async () => {
      if (stopped) return;
      if (drawing) {
        again = true;
        return;
      }
      drawing = true;
      try {
        do {
          again = false;
          let text: string;
          try {
            text = await io.render();
          } catch (error) {
            text = `✗ status failed: ${error instanceof Error ? error.message : String(error)}`;
          }
          if (stopped) break;
          if (text !== last) {
            last = text;
            frames++;
            io.write(`${io.isTTY ? '\x1b[H\x1b[2J' : frames > 1 ? '\n' : ''}${io.header()}\n\n${text}\n`);
          }
          arm();
        } while (again && !stopped);
      } finally {
        drawing = false;
      }
    };

    const schedule = () => {
      if (stopped) return;
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        debounce = null;
        void draw();
      }, DEBOUNCE_MS);
    };

    const refresh = setInterval(() => void draw(), REFRESH_MS);
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(refresh);
      if (debounce) clearTimeout(debounce);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
      resolve(frames);
    };
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
    void draw();
  });
}
