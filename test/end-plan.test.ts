import { describe, expect, it } from 'vitest';
import {
  abandonedRef,
  classifyBaseCheckout,
  classifyPushFailure,
  pushFailureNext,
  commandLine,
  confirmProblem,
  endRefusal,
  factLines,
  freeFileName,
  mergeMessage,
  parseEndOptions,
  prTitle,
  renderEnd,
  unstorablePaths,
  summarySection,
  type EndFacts,
  type RawEndOptions,
} from '../scripts/core/end-plan.js';
import { compareUrl, gitHubRepo } from '../scripts/git/remote.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('parseEndOptions', () => {
  it.each<[string, RawEndOptions, RegExp]>([
    ['no strategy', {}, /--strategy is required/],
    ['an unknown strategy', { strategy: 'squash' }, /must be one of pr, merge, keep, abandon; got "squash"/],
    ['--pr-title with keep', { strategy: 'keep', prTitle: 'T' }, /--pr-title applies only to --strategy pr/],
    ['--pr-body-file with merge', { strategy: 'merge', prBodyFile: 'b.md' }, /--pr-body-file applies only/],
    ['--confirm with pr', { strategy: 'pr', confirm: 'x' }, /--confirm applies only to --strategy abandon/],
    [
      '--rebase with abandon',
      { strategy: 'abandon', rebase: true },
      /--rebase applies only to --strategy merge or pr or keep/,
    ],
    ['--remote with merge', { strategy: 'merge', remote: 'origin' }, /--remote applies only to --strategy pr or keep/],
    ['an empty --pr-title', { strategy: 'pr', prTitle: '  ' }, /--pr-title is empty/],
  ])('rejects %s', (_label, raw, message) => expect(() => parseEndOptions(raw, 'x')).toThrow(message));

  it('defaults the remote to origin and remembers whether it was given', () => {
    expect(parseEndOptions({ strategy: 'keep' }, undefined)).toMatchObject({
      remote: 'origin',
      remoteGiven: false,
      rebase: false,
      name: undefined,
    });
    expect(parseEndOptions({ strategy: 'pr', remote: 'upstream', prTitle: ' T ' }, 'x')).toMatchObject({
      remote: 'upstream',
      remoteGiven: true,
      prTitle: 'T',
    });
  });

  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['other', false],
    ['x', true],
  ])('abandon with --confirm %j is accepted: %s', (confirm, ok) => {
    const options = parseEndOptions({ strategy: 'abandon', confirm }, undefined);
    expect(confirmProblem(options, 'x') === null).toBe(ok);
  });

  it('needs no confirmation for other strategies', () => {
    expect(confirmProblem(parseEndOptions({ strategy: 'merge' }, 'x'), 'x')).toBeNull();
  });
});

const facts = (over: Partial<EndFacts> = {}): EndFacts => ({
  name: 'x',
  strategy: 'merge',
  rebase: false,
  mainCheckout: '/r/p',
  worktreePath: '/r/p-sessions/x',
  worktreeExists: true,
  worktreeLocked: false,
  worktreeBranch: 'session/x',
  branch: 'session/x',
  tip: B,
  work: [],
  baseBranch: 'main',
  baseStart: A,
  baseTip: A,
  baseGained: 0,
  sessionCommits: 1,
  prediction: { clean: true, tree: C, conflicts: [] },
  remotes: ['origin'],
  remote: 'origin',
  remoteGiven: false,
  baseCheckout: { where: 'main' },
  mainDirty: [],
  worktreeBusy: null,
  mainBusy: null,
  mainHead: A,
  overwrites: [],
  mergeAdds: [],
  rebaseOverwrites: [],
  sessionsPaths: [],
  sessionsDirInRepo: null,
  branchHeldBy: [],
  ...over,
});

describe('endRefusal', () => {
  it.each<[string, Partial<EndFacts>, string | null]>([
    ['a clean merge', {}, null],
    ['a missing worktree', { worktreeExists: false }, 'worktree-missing'],
    ['a locked worktree', { worktreeLocked: true }, 'worktree-locked'],
    ['a missing branch', { tip: null }, 'branch-missing'],
    ['a worktree on another branch', { worktreeBranch: 'main' }, 'worktree-off-branch'],
    ['a detached worktree, abandoned', { worktreeBranch: null, strategy: 'abandon' }, null],
    ['uncommitted work', { work: [{ code: ' M', path: 'a' }] }, 'uncommitted-work'],
    ['uncommitted work, abandoned', { work: [{ code: '??', path: 'a' }], strategy: 'abandon' }, null],
    ['pr without remotes', { strategy: 'pr', remotes: [] }, 'no-remote'],
    ['pr to an unknown remote', { strategy: 'pr', remote: 'upstream' }, 'unknown-remote'],
    ['keep without remotes', { strategy: 'keep', remotes: [] }, null],
    [
      'keep to an unknown remote that was asked for',
      { strategy: 'keep', remote: 'upstream', remoteGiven: true },
      'unknown-remote',
    ],
    ['pr with nothing to propose', { strategy: 'pr', sessionCommits: 0 }, 'nothing-to-propose'],
    ['merge into a missing base', { baseTip: null, prediction: null }, 'base-missing'],
    [
      'merge into a base checked out elsewhere',
      { baseCheckout: { where: 'other', path: '/r/o' } },
      'base-checked-out-elsewhere',
    ],
    ['merge into a dirty main checkout', { mainDirty: [' M a'] }, 'main-dirty'],
    [
      'merge into a dirty checkout the base is not in',
      { mainDirty: [' M a'], baseCheckout: { where: 'nowhere' } },
      null,
    ],
    ['merge with predicted conflicts', { prediction: { clean: false, tree: C, conflicts: ['a'] } }, 'merge-conflicts'],
    [
      'merge with predicted conflicts and --rebase',
      { prediction: { clean: false, tree: C, conflicts: ['a'] }, rebase: true },
      null,
    ],
    ['pr with predicted conflicts', { strategy: 'pr', prediction: { clean: false, tree: C, conflicts: ['a'] } }, null],
    [
      'keep --rebase over an ignored .env',
      { strategy: 'keep', rebase: true, rebaseOverwrites: ['.env'] },
      'would-overwrite',
    ],
    ['merge --rebase over an ignored .env', { rebase: true, rebaseOverwrites: ['.env'] }, 'would-overwrite'],
    ['files in the way of a rebase, without --rebase', { strategy: 'keep', rebaseOverwrites: ['.env'] }, null],
  ])('%s', (_label, over, code) => {
    const refusal = endRefusal(facts(over));
    expect(refusal?.code ?? null).toBe(code);
    if (refusal) expect(refusal.next.length).toBeGreaterThan(20);
  });

  it('lists the uncommitted files and how to commit or abandon them', () => {
    const refusal = endRefusal(
      facts({
        work: [
          { code: ' M', path: 'src/a.ts' },
          { code: '??', path: 'new.txt' },
        ],
      }),
    )!;
    expect(refusal.message).toContain('  M src/a.ts\n  ?? new.txt');
    expect(refusal.next).toContain('git -C /r/p-sessions/x add -- src/a.ts new.txt && git -C /r/p-sessions/x commit');
    expect(refusal.next).toContain('--strategy abandon --confirm x');
  });

  it('names the files a rebase would write over in the worktree, and says to move them out first', () => {
    const refusal = endRefusal(facts({ strategy: 'pr', rebase: true, rebaseOverwrites: ['.env', 'out'] }))!;
    expect(refusal.message).toBe(
      "Rebasing session/x onto main would write over 2 untracked or ignored file(s) in the worktree /r/p-sessions/x with the files main now has at those paths (or, for a rebase, that the session's own commits it replays held there), and git would keep no copy of them; nothing was changed:\n  .env\n  out",
    );
    expect(refusal.next).toContain('Move them out of the worktree');
    expect(refusal.next).toContain('then run the same command again');
    expect(refusal.details).toEqual({ paths: ['.env', 'out'] });
  });
});

describe('factLines', () => {
  it.each<[string, Partial<EndFacts>, string[]]>([
    [
      'an unmoved base',
      {},
      [
        '- main has not moved since the session branched from it or last synced (aaaaaaaaaaaa)',
        '- The session has 1 commit(s) main lacks',
        '- Merging into main would not conflict',
      ],
    ],
    [
      'a moved base with conflicts',
      { baseGained: 5, prediction: { clean: false, tree: C, conflicts: ['a', 'b'] } },
      [
        '! main gained 5 commit(s) since the session branched from it or last synced (aaaaaaaaaaaa)',
        '- The session has 1 commit(s) main lacks',
        '! Merging into main would conflict in 2 file(s): a, b',
      ],
    ],
    [
      'no prediction',
      { prediction: null },
      [
        '- main has not moved since the session branched from it or last synced (aaaaaaaaaaaa)',
        '- The session has 1 commit(s) main lacks',
        '- Merge prediction unavailable (needs git 2.38 or newer)',
      ],
    ],
    ['a missing base', { baseTip: null }, ['! The base branch main no longer exists; no merge prediction.']],
  ])('%s', (_label, over, expected) => expect(factLines(facts(over))).toEqual(expected));
});

describe('titles, messages and bodies', () => {
  it.each<[string[], string | undefined, string]>([
    [['Refactor auth', 'Tests'], undefined, 'Refactor auth'],
    [['  ', 'Second\ngoal'], undefined, 'Second goal'],
    [[], undefined, 'x'],
    [['Goal'], 'Given', 'Given'],
  ])('prTitle(%j, %j) is %j', (goals, given, title) => expect(prTitle('x', goals, given)).toBe(title));

  it.each<[string[], string]>([
    [['Refactor auth'], 'Merge session x: Refactor auth'],
    [[], 'Merge session x'],
  ])('mergeMessage(%j)', (goals, message) => expect(mergeMessage('x', goals)).toBe(message));

  it.each<[string, string, string | null]>([
    ['stub placeholder', '# S\n\n## Summary\n\n_Written at /dev-session.end._\n', null],
    ['no section', '# S\n\n## Goals\n\n- a\n', null],
    ['empty section', '## Summary\n\n## Next\n', null],
    ['a written summary', '## Work log\n\n- x\n\n## Summary\n\nDid it.\n\n- with tests\n', 'Did it.\n\n- with tests'],
    [
      'a summary followed by a section',
      '## Summary\nDone.\n### Detail\nmore\n## Merge pending\nlater\n',
      'Done.\n### Detail\nmore',
    ],
    ['CRLF line ends', '## Summary\r\n\r\nDone.\r\n', 'Done.'],
  ])('summarySection: %s', (_label, log, expected) => expect(summarySection(log)).toBe(expected));
});

describe('names and commands', () => {
  it('abandoned refs are timestamped and numbered on collision', () => {
    const date = new Date('2026-01-15T10:00:00.123Z');
    expect(abandonedRef('x', date)).toBe('refs/sessions/abandoned/x/20260115T100000Z');
    expect(abandonedRef('x', date, 3)).toBe('refs/sessions/abandoned/x/20260115T100000Z-3');
  });

  it.each<[string, string[], string]>([
    ['a_session.md', [], 'a_session.md'],
    ['a_session.md', ['a_session.md'], 'a_session-2.md'],
    ['a_session.md', ['a_session.md', 'a_session-2.md'], 'a_session-3.md'],
    ['README', ['README'], 'README-2'],
  ])('freeFileName(%j) with %j taken', (name, taken, expected) =>
    expect(freeFileName(name, (n) => taken.includes(n))).toBe(expected),
  );

  it.each<[string[], string]>([
    [['gh', 'pr', 'create', '--title', 'Plain'], 'gh pr create --title Plain'],
    [['gh', '--title', "it's a title"], "gh --title 'it'\\''s a title'"],
    [
      ['git', 'branch', 'session/x', 'refs/sessions/abandoned/x/20260115T100000Z'],
      'git branch session/x refs/sessions/abandoned/x/20260115T100000Z',
    ],
    [['cat', '/tmp/a b/$(x)'], "cat '/tmp/a b/$(x)'"],
  ])('commandLine(%j)', (words, line) => expect(commandLine(words)).toBe(line));

  it.each<[string, Array<{ path: string; branch: string | null }>, unknown]>([
    ['nowhere', [{ path: '/m', branch: 'refs/heads/dev' }], { where: 'nowhere' }],
    ['in the main checkout', [{ path: '/m', branch: 'refs/heads/main' }], { where: 'main' }],
    [
      'in another worktree',
      [
        { path: '/m', branch: null },
        { path: '/o', branch: 'refs/heads/main' },
      ],
      { where: 'other', path: '/o' },
    ],
  ])('the base checked out %s', (_label, worktrees, expected) =>
    expect(classifyBaseCheckout(worktrees, 'main')).toEqual(expected),
  );
});

describe('GitHub compare URLs', () => {
  it.each<[string, string | null]>([
    ['https://github.com/acme/widget.git', 'acme/widget'],
    ['https://github.com/acme/widget', 'acme/widget'],
    ['https://token@github.com/acme/widget.git/', 'acme/widget'],
    ['git@github.com:acme/widget.git', 'acme/widget'],
    ['github.com:acme/widget', 'acme/widget'],
    ['ssh://git@github.com/acme/widget.git', 'acme/widget'],
    ['ssh://git@github.com:22/acme/widget.git', 'acme/widget'],
    ['git://github.com/acme/wid.get.git', 'acme/wid.get'],
    ['https://gitlab.com/acme/widget.git', null],
    ['git@github.example.com:acme/widget.git', null],
    ['/srv/git/widget.git', null],
    ['https://github.com/acme', null],
  ])('%s', (url, expected) => {
    const repo = gitHubRepo(url);
    expect(repo ? `${repo.owner}/${repo.repo}` : null).toBe(expected);
  });

  it('builds the compare page for a session branch', () => {
    expect(compareUrl('git@github.com:acme/widget.git', 'main', 'session/auth-refactor')).toBe(
      'https://github.com/acme/widget/compare/main...session/auth-refactor?expand=1',
    );
    expect(compareUrl('https://github.com/acme/widget', 'release/1.x', 'session/a')).toBe(
      'https://github.com/acme/widget/compare/release/1.x...session/a?expand=1',
    );
    expect(compareUrl('/srv/git/widget.git', 'main', 'session/a')).toBeNull();
  });
});

describe('renderEnd', () => {
  it('puts facts, steps, warnings and notes before the next steps', () => {
    expect(
      renderEnd({
        name: 'x',
        facts: ['- fact'],
        steps: [
          { id: 'push', text: 'Pushed' },
          { id: 'remove-worktree', text: 'Removed' },
        ],
        warnings: ['No PR was opened'],
        notes: ['To restore: git branch x r'],
        worktreePath: '/r/p-sessions/x',
        next: ['cd /r/p', 'open https://example'],
      }),
    ).toBe(
      [
        '- fact',
        '✓ Pushed',
        '✓ Removed',
        '! No PR was opened',
        '- To restore: git branch x r',
        '- Session "x" ended. Its worktree /r/p-sessions/x is gone; a shell that was in it must leave it.',
        '',
        'Next: cd /r/p',
        '  then: open https://example',
      ].join('\n'),
    );
  });
});

describe('classifyPushFailure', () => {
  it.each([
    [' ! [rejected]        session/x -> session/x (non-fast-forward)\nerror: failed to push some refs', 'rejected'],
    [' ! [rejected]        session/x -> session/x (fetch first)', 'rejected'],
    ['ssh: Could not resolve host: github.com\nfatal: Could not read from remote repository.', 'network'],
    ['git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.', 'access'],
    ['remote: Repository not found.', 'access'],
    ['error: something else entirely', 'other'],
  ])('%j is %s', (stderr, kind) => {
    expect(classifyPushFailure(stderr)).toBe(kind);
  });

  it('says to bring the remote commits in, not to fix access, after a rejected push', () => {
    expect(pushFailureNext('rejected', 'origin', 'session/x')).toContain('git pull --no-rebase origin session/x');
    expect(pushFailureNext('rejected', 'origin', 'session/x')).not.toContain('Fix access');
    expect(pushFailureNext('access', 'origin', 'session/x')).toContain('Fix access to origin');
  });
});

describe('paths git cannot store', () => {
  it.each([
    ['sub/.GIT/f', true],
    ['.git/x', true],
    ['a/.Git./b', true],
    ['a/.git /b', true],
    ['GIT~1/x', true],
    ['.gitignore', false],
    ['.github/workflows/ci.yml', false],
    ['docs/git/intro.md', false],
    ['a.git', false],
  ])('%s: %s', (path, unstorable) => {
    expect(unstorablePaths([{ code: '??', path }])).toEqual(unstorable ? [path] : []);
  });
});
