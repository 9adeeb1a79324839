/**
 * The safety rules for copying a file from the main checkout into a worktree, as a pure
 * decision over facts gathered from the file system and from git.
 */
export type SourceKind = 'file' | 'symlink' | 'other' | 'missing' | 'beyond-symlink';
export type DestinationKind = 'free' | 'exists' | 'through-symlink' | 'blocked' | 'outside';

export interface CopyFacts {
  path: string;
  source: SourceKind;
  destination: DestinationKind;
  ignoredInMain: boolean;
  ignoredInWorktree: boolean;
}

export interface Skipped {
  path: string;
  reason: string;
  message: string;
}

export interface CopyRules {
  /** Env-style files: only what git ignores in the main checkout. */
  requireIgnoredInMain: boolean;
  /** Env-style files: only what git would ignore in the worktree too, so it cannot be committed. */
  requireIgnoredInWorktree: boolean;
}

export function copyVerdict(facts: CopyFacts, rules: CopyRules): Skipped | null {
  const skip = (reason: string, message: string): Skipped => ({ path: facts.path, reason, message });
  switch (facts.source) {
    case 'symlink':
      return skip('symlink', 'it is a symbolic link; links are never followed');
    case 'beyond-symlink':
      return skip('beyond-symlink', 'it lies beyond a symbolic link; links are never followed');
    case 'other':
      return skip('not-a-file', 'it is not a regular file');
    case 'missing':
      return skip('missing', 'it does not exist in the main checkout');
    case 'file':
      break;
  }
  if (rules.requireIgnoredInMain && !facts.ignoredInMain)
    return skip('not-ignored', 'git does not ignore it in the main checkout');
  switch (facts.destination) {
    case 'exists':
      return skip('exists', 'the worktree already has it (it may be tracked there)');
    case 'through-symlink':
      return skip('destination-symlink', 'its place in the worktree lies beyond a symbolic link');
    case 'blocked':
      return skip('destination-blocked', 'a file in the worktree stands where its folder should be');
    case 'outside':
      return skip('outside-worktree', 'its destination resolves outside the worktree');
    case 'free':
      break;
  }
  if (rules.requireIgnoredInWorktree && !facts.ignoredInWorktree) {
    return skip(
      'not-ignored-in-worktree',
      "git would not ignore it in the worktree (tracked there, or the branch's .gitignore differs), so it could be committed by mistake",
    );
  }
  return null;
}
