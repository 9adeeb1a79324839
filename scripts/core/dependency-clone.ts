/**
 * Whether a new worktree may get the main checkout's installed tree instead of an install:
 * only when nothing would differ. For npm that means the two lockfiles are the same bytes and
 * the main checkout's tree is exactly what that lockfile describes, as npm's own record of the
 * installed tree (`node_modules/.package-lock.json`) says, package for package.
 */

export type CloneVerdict = { clone: true } | { clone: false; why: string };

interface LockPackage {
  version?: unknown;
  resolved?: unknown;
  integrity?: unknown;
  link?: unknown;
  optional?: unknown;
  devOptional?: unknown;
}

function packagesOf(text: string): Record<string, LockPackage> | null {
  try {
    const parsed = JSON.parse(text) as { lockfileVersion?: unknown; packages?: unknown };
    if (typeof parsed.lockfileVersion !== 'number' || parsed.lockfileVersion < 2) return null;
    return typeof parsed.packages === 'object' && parsed.packages !== null
      ? (parsed.packages as Record<string, LockPackage>)
      : null;
  } catch {
    return null;
  }
}

/** The fields that name what is installed at a path: a different one means a different tree. */
const same = (a: LockPackage, b: LockPackage) =>
  a.version === b.version &&
  a.resolved === b.resolved &&
  a.integrity === b.integrity &&
  Boolean(a.link) === Boolean(b.link);

export function npmCloneVerdict(facts: {
  mainLock: string | null;
  worktreeLock: string | null;
  installedRecord: string | null;
  worktreeHasTree: boolean;
  mainTreeIsLink?: boolean;
}): CloneVerdict {
  if (facts.worktreeHasTree) return { clone: false, why: 'the worktree already has a node_modules' };
  if (facts.mainTreeIsLink) return { clone: false, why: "the main checkout's node_modules is a symbolic link" };
  if (facts.mainLock === null || facts.worktreeLock === null)
    return { clone: false, why: 'there is no package-lock.json in both checkouts' };
  if (facts.mainLock !== facts.worktreeLock)
    return { clone: false, why: "the worktree's package-lock.json differs from the main checkout's" };
  if (facts.installedRecord === null)
    return { clone: false, why: 'nothing is installed in the main checkout (no node_modules/.package-lock.json)' };
  const wanted = packagesOf(facts.mainLock);
  const installed = packagesOf(facts.installedRecord);
  if (!wanted || !installed)
    return { clone: false, why: 'the lockfile is older than npm 7 (lockfileVersion 1) or unreadable' };
  const wantedPaths = Object.keys(wanted).filter((path) => path !== '');
  const installedPaths = Object.keys(installed).filter((path) => path !== '');
  // An optional package for another platform (fsevents, an esbuild binary) is never installed here, in either checkout.
  const optional = (entry: LockPackage) => entry.optional === true || entry.devOptional === true;
  const missing = wantedPaths.filter((path) =>
    path in installed ? !same(wanted[path]!, installed[path]!) : !optional(wanted[path]!),
  );
  const extra = installedPaths.filter((path) => !(path in wanted));
  if (missing.length + extra.length > 0) {
    const first = missing[0] ?? extra[0]!;
    return {
      clone: false,
      why: `the main checkout's node_modules does not match its lockfile (${missing.length + extra.length} package(s) differ, such as ${first})`,
    };
  }
  return { clone: true };
}
