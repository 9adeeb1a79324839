/**
 * Whether git might convert a file's content on its way into the index: a clean filter, ident,
 * end-of-line conversion (core.autocrlf, core.eol, the text, eol and crlf attributes), a
 * working-tree encoding. Then the id of the bytes on disk is not what git compares with the
 * index, and the caller asks `git status` instead of hashing. Read in-process and on the side
 * of doubt: any config or attributes file git reads that so much as mentions such a setting
 * (or an include, or another attributes source), or that cannot be read, is doubt. Nothing
 * here writes.
 */
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { readBoundedText } from '../lib/safe-fs.js';

const CONFIG_WORDS = /\b(?:autocrlf|eol|attributesfile|include|includeif|attr)\b/i;
const ATTRIBUTE_WORDS = /\b(?:filter|eol|text|crlf|ident|encoding)\b|\[attr\]/i;
const MAX_BYTES = 1024 * 1024;

/**
 * A config or attributes file's text: '' when there is none, undefined when something is there
 * that cannot be read as a file. Config files are the user's own and may be symlinks (a
 * dotfiles checkout), so they are read through one; a `.gitattributes` in a worktree that is a
 * symlink git does not read, so there it is doubt.
 */
function readSource(path: string, followSymlinks: boolean): string | undefined {
  // GIT_CONFIG_GLOBAL=/dev/null is the usual way to say "no global config".
  if (path === '/dev/null') return '';
  try {
    // Most of these files do not exist: asking first is cheaper than the error a failed open throws.
    if (!lstatSync(path, { throwIfNoEntry: false })) return '';
    return readBoundedText(path, MAX_BYTES, { followSymlinks }) ?? '';
  } catch {
    return undefined;
  }
}

function doubtful(path: string, words: RegExp, followSymlinks = true): boolean {
  const text = readSource(path, followSymlinks);
  return text === undefined || words.test(text);
}

const truthy = (value: string | undefined) => value !== undefined && /^(1|true|yes|on)$/i.test(value);

/**
 * Where git's system-wide files may be: /etc, `etc/` beside the git found on PATH (Homebrew,
 * MacPorts, Nix, a source build under a prefix), and Apple's command-line tools.
 */
function systemFolders(env: NodeJS.ProcessEnv): string[] {
  const folders = new Set([
    '/etc',
    '/Library/Developer/CommandLineTools/usr/share/git-core',
    '/Applications/Xcode.app/Contents/Developer/usr/share/git-core',
  ]);
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (!folder || !existsSync(join(folder, 'git'))) continue;
    try {
      const prefix = dirname(dirname(realpathSync(join(folder, 'git'))));
      folders.add(prefix === '/usr' ? '/etc' : join(prefix, 'etc'));
      break;
    } catch {
      /* gone meanwhile */
    }
  }
  return [...folders];
}

const repositoryDoubts = new Map<string, boolean>();

/** Doubt from what every worktree of the repository shares: the environment, the system, global and repository files. */
export function repositoryConversionDoubt(commonDir: string, env: NodeJS.ProcessEnv): boolean {
  const known = repositoryDoubts.get(commonDir);
  if (known !== undefined) return known;
  const home = env.HOME ?? '';
  const xdg = env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'git') : join(home, '.config', 'git');
  const system = systemFolders(env);
  const configs = [
    ...(truthy(env.GIT_CONFIG_NOSYSTEM)
      ? []
      : env.GIT_CONFIG_SYSTEM
        ? [env.GIT_CONFIG_SYSTEM]
        : system.map((folder) => join(folder, 'gitconfig'))),
    ...(env.GIT_CONFIG_GLOBAL ? [env.GIT_CONFIG_GLOBAL] : [join(xdg, 'config'), join(home, '.gitconfig')]),
    join(commonDir, 'config'),
  ];
  const attributes = [
    ...(truthy(env.GIT_ATTR_NOSYSTEM) ? [] : system.map((folder) => join(folder, 'gitattributes'))),
    join(xdg, 'attributes'),
    join(commonDir, 'info', 'attributes'),
  ];
  const doubt =
    Boolean(env.GIT_CONFIG_PARAMETERS) ||
    Boolean(env.GIT_CONFIG_COUNT) ||
    Boolean(env.GIT_ATTR_SOURCE) ||
    configs.some((path) => doubtful(path, CONFIG_WORDS)) ||
    attributes.some((path) => doubtful(path, ATTRIBUTE_WORDS));
  repositoryDoubts.set(commonDir, doubt);
  return doubt;
}

/**
 * Doubt from one worktree's own sources for one path (`rel`, with / separators): its
 * config.worktree, and each `.gitattributes` from its top folder down to the path's folder,
 * on disk or (where the file is missing) in its index, which git then reads instead.
 */
export function worktreeConversionDoubt(
  worktree: string,
  gitDir: string,
  rel: string,
  indexHolds: (path: string) => boolean,
): boolean {
  if (doubtful(join(gitDir, 'config.worktree'), CONFIG_WORDS)) return true;
  const folders = rel.split('/').slice(0, -1);
  for (let depth = 0; depth <= folders.length; depth++) {
    const inTree = [...folders.slice(0, depth), '.gitattributes'].join('/');
    const path = join(worktree, inTree);
    let present;
    try {
      present = lstatSync(path, { throwIfNoEntry: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') return true;
    }
    if (!present) {
      if (indexHolds(inTree)) return true;
      continue;
    }
    if (doubtful(path, ATTRIBUTE_WORDS, false)) return true;
  }
  return false;
}
