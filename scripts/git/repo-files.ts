/**
 * Facts read straight from git's own files, without starting git: where a folder's worktree
 * and its repository are, the main checkout, a worktree's git dir and HEAD, branch tips. For
 * the hooks, where a process costs more than the whole answer.
 *
 * The readers that the editing hook builds its answers on give null (or undefined) wherever
 * the layout is not the plain one they know: an environment variable that moves git's files,
 * a bare repository or one with core.worktree, reftable refs, a SHA-256 repository, a
 * repository config that includes others, a ref or HEAD they cannot parse. The caller then
 * asks git. Nothing here writes.
 */
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import type { HashBytes } from '../core/git-index.js';
import { readBoundedText } from '../lib/safe-fs.js';
import { below } from '../lib/below.js';

const MAX_GIT_FILE_BYTES = 4096;

export interface WorktreeFiles {
  /** The worktree's top folder: the one holding `.git`. */
  toplevel: string;
  /** This worktree's own git dir: the `.git` folder, or where a linked worktree's `.git` file points. */
  gitDir: string;
  /** The git dir every worktree shares. */
  commonDir: string;
}

/**
 * Where `folder` sits, read from git's own files instead of asking git: the nearest `.git`
 * above it (a folder, or a worktree's `gitdir:` file) and the common dir its `commondir` file
 * names. `folder` need not exist: the walk goes up past missing folders. Null when there is
 * no `.git` above it, or a `.git` file that names no git dir.
 */
export function worktreeFromFiles(folder: string): WorktreeFiles | null {
  let dir = folder;
  for (let depth = 0; depth < 256; depth++) {
    const dotGit = join(dir, '.git');
    let stat;
    try {
      stat = lstatSync(dotGit);
    } catch {
      stat = null;
    }
    if (stat?.isDirectory()) return { toplevel: dir, gitDir: dotGit, commonDir: dotGit };
    if (stat?.isFile()) {
      const pointer = /^gitdir: (.+)$/m.exec(readBoundedText(dotGit, MAX_GIT_FILE_BYTES) ?? '')?.[1]?.trim();
      if (!pointer) return null;
      const gitDir = resolve(dir, pointer);
      const common = readBoundedText(join(gitDir, 'commondir'), MAX_GIT_FILE_BYTES)?.trim();
      return { toplevel: dir, gitDir, commonDir: common ? resolve(gitDir, common) : gitDir };
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
  return null;
}

/** The main checkout of a repository with a common dir `<main>/.git`; null for a bare or otherwise laid out one. */
export function mainCheckoutFromFiles(commonDir: string): string | null {
  if (basename(commonDir) !== '.git') return null;
  try {
    return lstatSync(commonDir).isDirectory() ? dirname(commonDir) : null;
  } catch {
    return null;
  }
}

/** The real path, or null when there is nothing there or it cannot be resolved. */
export function realOrNull(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/** The file's text, or null when it cannot be read. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Variables that make git look for its files elsewhere than these readers do. */
const RELOCATING = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_REF_STORAGE',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
];

/** The keys of the repository's own config file the readers depend on. */
export interface RepoConfig {
  bare: boolean;
  worktree: string | null;
  objectFormat: string;
  refStorage: string | null;
  /** extensions.worktreeConfig: each worktree's `config.worktree` counts too. */
  worktreeConfig: boolean;
  /** core.ignorecase: git compares paths ignoring ASCII case (the default on macOS). */
  ignoreCase: boolean;
}

/**
 * Those keys, or null when the file includes others (which could set them), is written in a
 * way this small parser does not follow, or cannot be read.
 */
export function readRepoConfig(commonDir: string): RepoConfig | null {
  const text = readText(join(commonDir, 'config'));
  if (text === null) return null;
  const config: RepoConfig = {
    bare: false,
    worktree: null,
    objectFormat: 'sha1',
    refStorage: null,
    worktreeConfig: false,
    ignoreCase: false,
  };
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"[^"\\]*")?\s*\]\s*(.*)$/.exec(line);
    if (header) {
      section = header[1]!.toLowerCase();
      if (section === 'include' || section === 'includeif' || header[2]) return null;
      continue;
    }
    if (line.endsWith('\\')) return null;
    const pair = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!pair) return null;
    const key = `${section}.${pair[1]!.toLowerCase()}`;
    const value = (pair[2] ?? 'true')
      .replace(/\s+[#;].*$/, '')
      .replace(/^"(.*)"$/, '$1')
      .trim();
    if (key === 'core.bare') config.bare = /^(true|yes|on|1)$/i.test(value);
    else if (key === 'core.worktree') config.worktree = value;
    else if (key === 'extensions.objectformat') config.objectFormat = value.toLowerCase();
    else if (key === 'extensions.refstorage') config.refStorage = value.toLowerCase();
    else if (key === 'extensions.worktreeconfig') config.worktreeConfig = /^(true|yes|on|1)$/i.test(value);
    else if (key === 'core.ignorecase') config.ignoreCase = /^(true|yes|on|1)$/i.test(value);
  }
  return config;
}

/** Branch tips from `refs/` files and `packed-refs`. */
export interface RefReader {
  /** The commit a full ref names; null when there is no such ref; undefined when this reader cannot tell. */
  resolve(ref: string): string | null | undefined;
}

const SAFE_REF = /^refs\/(?:[A-Za-z0-9._\-+@/]|[^\x00-\x7f])+$/;

/** Refs of the repository at `commonDir`, read as git's files backend stores them; each read once per process. */
export function refReader(commonDir: string, hashBytes: HashBytes): RefReader {
  const oidPattern = new RegExp(`^[0-9a-f]{${hashBytes * 2}}$`);
  let packed: Map<string, string> | null | undefined;
  const packedRefs = () => {
    if (packed !== undefined) return packed;
    const text = readText(join(commonDir, 'packed-refs'));
    packed = new Map();
    if (text === null) return packed;
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
      const space = line.indexOf(' ');
      const oid = line.slice(0, space);
      if (space < 0 || !oidPattern.test(oid)) return (packed = null);
      packed.set(line.slice(space + 1), oid);
    }
    return packed;
  };
  const resolveRef = (ref: string, depth: number): string | null | undefined => {
    if (
      depth > 5 ||
      !SAFE_REF.test(ref) ||
      ref.includes('..') ||
      ref.includes('//') ||
      ref.endsWith('/') ||
      ref.endsWith('.lock')
    )
      return undefined;
    let text: string | null = null;
    try {
      text = readFileSync(join(commonDir, ref), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A folder is a namespace of refs (refs/heads/session/ for refs/heads/session/x), not a ref.
      if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR') return undefined;
    }
    if (text !== null) {
      const content = text.trim();
      if (oidPattern.test(content)) return content;
      const symbolic = /^ref: (refs\/\S+)$/.exec(content);
      return symbolic ? resolveRef(symbolic[1]!, depth + 1) : undefined;
    }
    const refs = packedRefs();
    if (refs === null) return undefined;
    return refs.get(ref) ?? null;
  };
  const known = new Map<string, string | null | undefined>();
  return {
    resolve(ref) {
      if (!known.has(ref)) known.set(ref, resolveRef(ref, 0));
      return known.get(ref);
    },
  };
}

/** A repository whose files the hooks read themselves. */
export interface RepoFiles {
  /** Real path of the common git dir, `<main checkout>/.git`. */
  commonDir: string;
  mainCheckout: string;
  hashBytes: HashBytes;
  refs: RefReader;
  /** Whether git reads each worktree's own `config.worktree`. */
  worktreeConfig: boolean;
  ignoreCase: boolean;
}

/**
 * The repository whose common git dir is `commonDir`, when its files are laid out as these
 * readers know them: a plain `.git` folder in a main checkout, no variable relocating git's
 * files, no include in its config, neither bare nor core.worktree, files refs (not reftable),
 * SHA-1 objects. Null otherwise, and the caller asks git.
 */
export function readRepoFiles(commonDir: string, env: NodeJS.ProcessEnv): RepoFiles | null {
  if (RELOCATING.some((name) => env[name] !== undefined)) return null;
  const real = realOrNull(commonDir);
  if (!real) return null;
  const mainCheckout = mainCheckoutFromFiles(real);
  if (!mainCheckout) return null;
  const config = readRepoConfig(real);
  if (
    !config ||
    config.bare ||
    config.worktree !== null ||
    config.refStorage !== null ||
    config.objectFormat !== 'sha1'
  )
    return null;
  // A reftable folder (or anything by that name, or one that cannot be looked at): git reads its refs.
  try {
    if (lstatSync(join(real, 'reftable'), { throwIfNoEntry: false })) return null;
  } catch {
    return null;
  }
  return {
    commonDir: real,
    mainCheckout,
    hashBytes: 20,
    refs: refReader(real, 20),
    worktreeConfig: config.worktreeConfig,
    ignoreCase: config.ignoreCase,
  };
}

/** A worktree's own config may move its files or say more than these readers follow: then git is asked. */
const WORKTREE_CONFIG_WORDS = /\b(?:worktree|bare|include|includeif)\b/i;

/**
 * The git dir of a worktree of the repository at `repo.commonDir`: where its `.git` file
 * points (the main checkout's `.git` folder is the common dir itself), when that git dir's
 * `commondir` leads back to this repository, and (where git reads one) its `config.worktree`
 * does not move it. Null for anything else.
 */
export function worktreeGitDir(worktree: string, repo: Pick<RepoFiles, 'commonDir' | 'worktreeConfig'>): string | null {
  const gitDir = plainWorktreeGitDir(worktree, repo);
  if (!gitDir || !repo.worktreeConfig) return gitDir;
  try {
    const text = readBoundedText(join(gitDir, 'config.worktree'), MAX_GIT_FILE_BYTES * 16, { followSymlinks: true });
    return text !== null && WORKTREE_CONFIG_WORDS.test(text) ? null : gitDir;
  } catch {
    return null;
  }
}

function plainWorktreeGitDir(worktree: string, repo: Pick<RepoFiles, 'commonDir'>): string | null {
  let text: string | null;
  try {
    text = readBoundedText(below(worktree, '.git'), MAX_GIT_FILE_BYTES);
  } catch {
    text = null;
  }
  const pointer = text === null ? null : /^gitdir: (.+)$/m.exec(text)?.[1]?.trim();
  // As git makes a worktree: its git dir is `<common dir>/worktrees/<name>`, whose commondir leads back.
  const worktrees = below(repo.commonDir, 'worktrees');
  if (pointer && isOneBelow(worktrees, pointer)) return pointer;
  const gitDir = pointer ? resolve(worktree, pointer) : null;
  if (gitDir && dirname(gitDir) === worktrees) return gitDir;
  const files = worktreeFromFiles(worktree);
  if (!files || files.toplevel !== worktree) return null;
  return realOrNull(files.commonDir) === repo.commonDir ? files.gitDir : null;
}

/** `path` is a name directly in `folder` as written, with nothing to normalise (how git writes a worktree's pointer). */
export function isOneBelow(folder: string, path: string): boolean {
  if (!path.startsWith(`${folder}/`)) return false;
  const name = path.slice(folder.length + 1);
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/');
}

export interface HeadFacts {
  /** The full ref HEAD points at, or null when detached. */
  branch: string | null;
  /** The commit it resolves to, null on an unborn branch. */
  commit: string | null;
}

/** A worktree's HEAD, from its git dir; undefined when this reader cannot tell. */
export function readHead(gitDir: string, repo: Pick<RepoFiles, 'refs' | 'hashBytes'>): HeadFacts | undefined {
  const text = readText(below(gitDir, 'HEAD'))?.trim();
  if (!text) return undefined;
  if (new RegExp(`^[0-9a-f]{${repo.hashBytes * 2}}$`).test(text)) return { branch: null, commit: text };
  // Per-worktree refs (refs/worktree/, refs/bisect/) live in the worktree's own git dir: leave those to git.
  const symbolic = /^ref: (refs\/heads\/\S+)$/.exec(text);
  if (!symbolic) return undefined;
  const commit = repo.refs.resolve(symbolic[1]!);
  return commit === undefined ? undefined : { branch: symbolic[1]!, commit };
}

/**
 * The HEAD of the worktree whose top folder is `worktree`, read from its files; undefined wherever the readers above
 * step aside (then the caller asks git).
 */
export function worktreeHeadFromFiles(worktree: string, env: NodeJS.ProcessEnv): HeadFacts | undefined {
  const files = worktreeFromFiles(worktree);
  if (!files || files.toplevel !== worktree) return undefined;
  const repo = readRepoFiles(files.commonDir, env);
  const gitDir = repo ? worktreeGitDir(worktree, repo) : null;
  return repo && gitDir ? readHead(gitDir, repo) : undefined;
}

const MAX_COMMIT_OBJECT_BYTES = 1 << 20;

// Loaded on first use: node's zlib module takes about 3 ms to load, which every hook run would pay.
const zlib = () => createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');

/**
 * The parents a commit lists in its own object, read from the loose object file; undefined when this reader cannot
 * tell (a packed object, one it cannot inflate or parse, or not a commit). Replace refs and grafts are not followed:
 * the caller uses this only to prove that a commit is held, as a parent in the object itself, by another.
 */
export function looseCommitParents(
  repo: Pick<RepoFiles, 'commonDir' | 'hashBytes'>,
  oid: string,
): string[] | undefined {
  if (!new RegExp(`^[0-9a-f]{${repo.hashBytes * 2}}$`).test(oid)) return undefined;
  let text: string;
  try {
    const raw = readFileSync(join(repo.commonDir, 'objects', oid.slice(0, 2), oid.slice(2)));
    text = zlib().inflateSync(raw, { maxOutputLength: MAX_COMMIT_OBJECT_BYTES }).toString('latin1');
  } catch {
    return undefined;
  }
  const headerEnd = text.indexOf('\0');
  if (headerEnd < 0 || !text.startsWith('commit ')) return undefined;
  const parents: string[] = [];
  const oidPattern = new RegExp(`^parent ([0-9a-f]{${repo.hashBytes * 2}})$`);
  for (const line of text.slice(headerEnd + 1).split('\n')) {
    if (line === '') break;
    const parent = oidPattern.exec(line);
    if (parent) parents.push(parent[1]!);
  }
  return parents;
}
