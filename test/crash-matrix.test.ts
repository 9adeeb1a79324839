/**
 * The crash matrix: every operation that changes something (start; end with every strategy;
 * end --rebase; sync by rebase and by merge; land; cleanup itself) is run on a 2,000-file repository
 * with real work to lose, and its whole process group is SIGKILLed at a moment chosen by a
 * seeded PRNG within the time the same operation takes uncut here. After each kill, one
 * `cleanup --yes` (not killed) must leave: no commit, change, untracked file or edited ignored
 * file lost; no git operation in progress; no lock or temp file; a valid manifest that agrees
 * with git, every entry active; no aside folder.
 *
 * Besides the random moments, each row names moments worth a kill of their own (the worktree
 * just moved aside, git holding an index.lock, the rebase begun, ...), killed the instant they
 * are seen. `npm test` runs one random kill per row and nine named moments; `npm run stress`
 * (STRESS_FULL=1) six random kills per row and every named moment. To replay: CRASH_SEED=<seed>
 * (printed; fixed in `npm test`), CRASH_ROW=<part of a row's label>, CRASH_DELAY_MS=<ms>,
 * CRASH_TRIALS=<n>; CRASH_TMPDIR=<folder> builds the repositories there instead of /dev/shm.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from './helpers/gitdir.js';
import { ghCalls, ghPresentEnv } from './helpers/end.js';
import {
  brokenInvariants,
  describeState,
  emptyLedger,
  makeLargeRepo,
  moveBase,
  prng,
  rowSeed,
  runGroup,
  sessionWithWork,
  startupFloorMs,
  type LargeRepo,
  type Ledger,
  type RunOutcome,
} from './helpers/crash.js';
import { schemaErrors } from './helpers/schemas.js';

const FULL = process.env.STRESS_FULL === '1';
const SEED = Number(process.env.CRASH_SEED ?? (FULL ? Date.now() % 1_000_000_007 : 20260115));
const TRIALS = Number(process.env.CRASH_TRIALS ?? (FULL ? 6 : 1));
const ONLY = process.env.CRASH_ROW;
const FORCED_DELAY = process.env.CRASH_DELAY_MS === undefined ? null : Number(process.env.CRASH_DELAY_MS);
const FILES = 2_000;

interface Scenario {
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

interface Row {
  label: string;
  /** The sessions' base: `main`, checked out in the main checkout unless `setup` switches it away. */
  base?: string;
  /** Once per repository, before the bystander session. */
  setup?(repo: LargeRepo): void;
  /** Builds one trial's situation (its work in the ledger) and says what to run and kill. */
  prepare(repo: LargeRepo, id: string, ledger: Ledger): Promise<Scenario> | Scenario;
  /** Row-specific checks after the cleanup. */
  check?(repo: LargeRepo, id: string, outcome: RunOutcome): string[];
  /** Moments worth a kill of their own besides the random ones: killed the instant `ready` holds. */
  landmarks?: Landmark[];
  /** The main checkout has uncommitted changes of the user's while the operation runs (the row checks them). */
  mainDirty?: boolean;
}

interface Landmark {
  name: string;
  ready(repo: LargeRepo, id: string): boolean;
  /** Also in `npm test`'s slice (else only in the full matrix). */
  quick?: boolean;
}

const inWorktree = (repo: Repo, id: string) => join(repo.sessions, id);

const endRow = (
  label: string,
  strategy: string,
  extra: string[] = [],
  options: {
    base?: string;
    setup?: (repo: LargeRepo) => void;
    moveBase?: boolean;
    uncommitted?: boolean;
    env?: (repo: LargeRepo) => NodeJS.ProcessEnv;
    check?: Row['check'];
    landmarks?: Landmark[];
  } = {},
): Row => ({
  label,
  ...(options.landmarks ? { landmarks: options.landmarks } : {}),
  ...(options.base ? { base: options.base } : {}),
  ...(options.setup ? { setup: options.setup } : {}),
  ...(options.check ? { check: options.check } : {}),
  prepare(repo, id, ledger) {
    sessionWithWork(
      repo,
      id,
      {
        commits: options.moveBase ? 8 : 5,
        uncommitted: options.uncommitted ?? false,
        ...(options.base ? { base: options.base } : {}),
      },
      ledger,
    );
    if (options.moveBase) moveBase(repo, options.base ?? 'main', ledger);
    // Run from inside the session's worktree, as an agent does.
    return {
      args: ['end', '--strategy', strategy, ...extra, ...(strategy === 'abandon' ? ['--confirm', id] : [])],
      cwd: inWorktree(repo, id),
      ...(options.env ? { env: options.env(repo) } : {}),
    };
  },
});

const syncRow = (label: string, mode: '--rebase' | '--merge', landmarks?: Landmark[]): Row => {
  const before = new Map<string, { tip: string; subjects: string[] }>();
  return {
    label,
    ...(landmarks ? { landmarks } : {}),
    prepare(repo, id, ledger) {
      sessionWithWork(repo, id, { commits: 8 }, ledger);
      moveBase(repo, 'main', ledger);
      before.set(id, {
        tip: repo.git(['rev-parse', `refs/heads/session/${id}`]).trim(),
        subjects: repo
          .git(['log', '--format=%s', `main..session/${id}`])
          .split('\n')
          .filter(Boolean),
      });
      return { args: ['sync', mode], cwd: inWorktree(repo, id) };
    },
    check(repo, id) {
      // The branch is exactly as before, or holds main and every commit of its own: never half the base.
      const was = before.get(id)!;
      const tip = repo.git(['rev-parse', `refs/heads/session/${id}`]).trim();
      if (tip === was.tip) return [];
      if (!spawnOk(repo, ['merge-base', '--is-ancestor', 'main', tip]))
        return [`sync ${id}: session/${id} moved from ${was.tip} to ${tip}, which does not hold main`];
      const now = repo.git(['log', '--format=%s', `main..${tip}`]).split('\n');
      const lost = was.subjects.filter((subject) => !now.includes(subject));
      return lost.length > 0
        ? [`sync ${id}: session/${id} at ${tip} lacks ${lost.length} of its commits: ${lost.join('; ')}`]
        : [];
    },
  };
};

function spawnOk(repo: Repo, args: string[]): boolean {
  try {
    execFileSync('git', args, { cwd: repo.main, env: repo.env, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The main checkout on a branch of its own, so the base `main` is checked out nowhere. */
const baseCheckedOutNowhere = (repo: LargeRepo) => repo.git(['checkout', '-q', '-b', 'side']);

/** Kills `args` once `ready` holds (or after `timeoutMs`): an interrupted operation for cleanup to finish. */
async function interrupt(repo: LargeRepo, args: string[], ready: () => boolean): Promise<void> {
  await runGroup(repo, args, { env: { FLIGHT_RULES_NOW: repo.tick() }, killWhen: ready });
}

/** An end moved `id`'s worktree aside and told git (`git worktree repair`): git's record points into the aside folder. */
function asideRepaired(repo: Repo, id: string): boolean {
  const aside = readdirSync(repo.sessions).find((name) => name.startsWith(`.${id}.removing-`));
  if (!aside) return false;
  try {
    return (
      readFileSync(join(repo.main, '.git/worktrees', id, 'gitdir'), 'utf8').trim() ===
      join(repo.sessions, aside, '.git')
    );
  } catch {
    return false;
  }
}

const gitDirOf = (repo: Repo, id: string) => join(repo.main, '.git/worktrees', id);
const asideOf = (repo: Repo, id: string) => {
  const name = readdirSync(repo.sessions).find((entry) => entry.startsWith(`.${id}.removing-`));
  return name ? join(repo.sessions, name) : null;
};

/** The end renamed the worktree aside, and has not yet told git (`git worktree repair`). */
const ASIDE_APPEARS: Landmark = {
  name: 'the worktree was just moved aside',
  ready: (repo, id) => asideOf(repo, id) !== null,
};
/** `git worktree remove` is deleting the aside folder: a folder of src/ is gone already. */
const REMOVAL_UNDER_WAY: Landmark = {
  name: 'git worktree remove is deleting the aside folder',
  ready: (repo, id) => {
    const aside = asideOf(repo, id);
    if (!aside) return false;
    try {
      return readdirSync(join(aside, 'src')).length < (repo as LargeRepo).folders;
    } catch {
      return true; // src/ itself is gone
    }
  },
};
/** git merges into the main checkout: it holds the main checkout's index.lock. */
const MAIN_MERGING: Landmark = {
  name: "git merge holds the main checkout's index.lock",
  ready: (repo) => existsSync(join(repo.main, '.git/index.lock')),
};
/** The rebase in the session's worktree has begun. */
const REBASING: Landmark = {
  name: 'the rebase has begun (rebase-merge/ exists)',
  ready: (repo, id) => existsSync(join(gitDirOf(repo, id), 'rebase-merge')),
};
/** A git command of the helper's holds the session worktree's index.lock (a merge, or the commit of the session log). */
const SESSION_INDEX_LOCKED: Landmark = {
  name: "git holds the session worktree's index.lock",
  ready: (repo, id) => existsSync(join(gitDirOf(repo, id), 'index.lock')),
};
/** `git worktree add` has begun making the record: it locks it "initializing" first, and unlocks it last. */
const ADDING_WORKTREE: Landmark = {
  name: 'git worktree add holds its new record locked "initializing"',
  ready: (repo, id) => existsSync(join(gitDirOf(repo, id), 'locked')),
};
/** The new worktree's checkout is under way (git holds its index.lock). */
const CHECKING_OUT: Landmark = {
  name: "the new worktree's checkout holds its index.lock",
  ready: (repo, id) => existsSync(join(gitDirOf(repo, id), 'index.lock')),
};
/** The gh stand-in runs (it records its call first). */
const GH_RUNS: Landmark = {
  name: 'gh pr create runs',
  ready: (repo) => existsSync(join(repo.root, 'gh-calls.jsonl')) && ghCalls(repo).length > ghCallsBefore,
};
let ghCallsBefore = 0;
/** The landmark in `npm test`'s slice too. */
const quick = (landmark: Landmark): Landmark => ({ ...landmark, quick: true });

/**
 * `land` of three ready sessions, each with its commits in a folder of its own and a check, into
 * the base checked out in the main checkout. After the kill and one cleanup, each of the three
 * has landed whole (its merge on main's first-parent line, its entry and worktree gone) or not at
 * all (active, with its worktree and branch as they were): main moved only by whole merges of
 * these sessions. A clean main checkout is at main, clean; a dirty one (`dirtyMain`: the user's
 * edit of README.md) still holds exactly that edit, on main if main did not move, else detached
 * at the commit main was at before.
 */
const USER_EDIT = '# crash matrix\nedited by the user in the main checkout\n';
const landRow = (dirtyMain: boolean): Row => {
  const before = new Map<string, { main: string; tips: Map<string, string> }>();
  const names = (id: string) => [`${id}-a`, `${id}-b`, `${id}-c`];
  return {
    label: dirtyMain
      ? 'land (three ready sessions, the main checkout on the base with uncommitted changes)'
      : 'land (three ready sessions, a check, the base in the main checkout)',
    ...(dirtyMain ? { mainDirty: true } : {}),
    landmarks: dirtyMain
      ? [
          quick({
            name: "the main checkout's HEAD was just detached",
            ready: (repo) => !readFileSync(join(repo.main, '.git/HEAD'), 'utf8').startsWith('ref:'),
          }),
        ]
      : [
          quick({
            name: 'the check runs in the scratch worktree',
            ready: (repo) => readdirSync(repo.sessions).some((name) => name.startsWith('.land-check-')),
          }),
          quick({
            name: 'the main checkout is being fast-forwarded (git holds its index.lock)',
            ready: (repo) => existsSync(join(repo.main, '.git/index.lock')),
          }),
          {
            name: "a landed session's worktree was just moved aside",
            ready: (repo, id) =>
              readdirSync(repo.sessions).some((name) => name.startsWith(`.${id}-`) && name.includes('.removing-')),
          },
          {
            name: 'the base moved and the landed session is not ended yet',
            ready: (repo, id) => {
              const was = before.get(id);
              if (!was) return false;
              try {
                return (
                  readFileSync(join(repo.main, '.git/refs/heads/main'), 'utf8').trim() !== was.main &&
                  readFileSync(repo.manifestPath, 'utf8').includes('"landing"')
                );
              } catch {
                return false;
              }
            },
          },
        ],
    prepare(repo, id, ledger) {
      if (dirtyMain) {
        // The last trial's checkout back on main and clean, so that start takes it; the user's edit comes back below.
        repo.git(['checkout', '-q', '--', 'README.md']);
        repo.git(['switch', '-q', 'main']);
      }
      const tips = new Map<string, string>();
      for (const name of names(id)) {
        sessionWithWork(repo, name, { commits: 2 }, ledger);
        const marked = repo.helper(['ready', name], { env: { FLIGHT_RULES_NOW: repo.tick() } });
        if (marked.exitCode !== 0) throw new Error(`ready ${name}: ${marked.stdout}${marked.stderr}`);
        tips.set(name, repo.git(['rev-parse', `refs/heads/session/${name}`]).trim());
      }
      before.set(id, { main: repo.git(['rev-parse', 'main']).trim(), tips });
      if (dirtyMain) writeFileSync(join(repo.main, 'README.md'), USER_EDIT);
      return { args: ['land', ...names(id), ...(dirtyMain ? [] : ['--check', 'test -f README.md'])] };
    },
    check(repo, id) {
      const was = before.get(id)!;
      const problems: string[] = [];
      const main = repo.git(['rev-parse', 'main']).trim();
      const line = repo
        .git(['rev-list', '--first-parent', '--parents', '--format=%s', `${was.main}..${main}`])
        .trim()
        .split('\n')
        .filter(Boolean);
      for (let i = 0; i < line.length; i += 2) {
        const [, , second] = line[i]!.slice('commit '.length).split(' ');
        const subject = line[i + 1] ?? '';
        const session = [...was.tips].find(([, tip]) => tip === second)?.[0];
        if (!session || subject !== `Merge session ${session}: Goal of ${session}`)
          problems.push(
            `land ${id}: main moved by ${line[i]} ("${subject}"), which is not a whole landing of one of its sessions`,
          );
      }
      const entries = existsSync(repo.manifestPath) ? repo.manifest().sessions.map((s: any) => s.id) : [];
      for (const [name, tip] of was.tips) {
        const landed = spawnOk(repo, ['merge-base', '--is-ancestor', tip, 'main']);
        const registered = entries.includes(name);
        if (landed && registered) problems.push(`land ${id}: ${name} is in main, but its session was not ended`);
        if (!landed && !registered) problems.push(`land ${id}: ${name} is not in main, and its session is gone`);
        if (!landed && registered && repo.git(['rev-parse', `refs/heads/session/${name}`]).trim() !== tip)
          problems.push(`land ${id}: ${name} did not land, and its branch moved`);
      }
      const onMain =
        spawnOk(repo, ['symbolic-ref', '-q', 'HEAD']) &&
        repo.git(['symbolic-ref', '-q', 'HEAD']).trim() === 'refs/heads/main';
      if (!dirtyMain) {
        if (!onMain) problems.push(`land ${id}: the main checkout is no longer on main`);
        return problems;
      }
      const head = repo.git(['rev-parse', 'HEAD']).trim();
      if (onMain && main !== was.main)
        problems.push(`land ${id}: main moved under the dirty main checkout, which is still on it`);
      if (!onMain && head !== was.main)
        problems.push(
          `land ${id}: the main checkout is detached at ${head}, not at main's commit before the land (${was.main})`,
        );
      if (readFileSync(join(repo.main, 'README.md'), 'utf8') !== USER_EDIT)
        problems.push(`land ${id}: the user's edit of README.md in the main checkout is gone`);
      const changed = repo
        .git(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'])
        .split('\n')
        .filter(Boolean);
      if (changed.join('\n') !== ' M README.md')
        problems.push(`land ${id}: the main checkout holds other changes than the user's edit: ${changed.join('; ')}`);
      return problems;
    },
  };
};

/**
 * `start --if-dirty stash|commit` with the user's edit of README.md in the main checkout (one edit of its own each
 * trial). After the kill and one cleanup, that edit is in the main checkout's README.md still (staged or not), or
 * whole where the start put it: the newest stash, with the main checkout back at HEAD, or a commit on main.
 */
const dirtyStartRow = (mode: 'stash' | 'commit'): Row => {
  const edits = new Map<string, string>();
  return {
    label: `start --if-dirty ${mode} (the user's edit in the main checkout)`,
    mainDirty: true,
    prepare(repo, id) {
      const edit = `${USER_EDIT}${id}\n`;
      edits.set(id, edit);
      writeFileSync(join(repo.main, 'README.md'), edit);
      return {
        args: [
          'start',
          id,
          '--no-setup',
          '--if-dirty',
          mode,
          ...(mode === 'commit' ? ['--commit-message', `wip ${id}`] : []),
        ],
      };
    },
    landmarks: [
      {
        name: "git holds the main checkout's index.lock",
        ready: (repo) => existsSync(join(repo.main, '.git/index.lock')),
      },
    ],
    check(repo, id) {
      const edit = edits.get(id)!;
      if (readFileSync(join(repo.main, 'README.md'), 'utf8') === edit) return [];
      const where = mode === 'stash' ? 'refs/stash' : 'main';
      const kept = spawnOk(repo, ['rev-parse', '--verify', '--quiet', where])
        ? repo.git(['show', `${where}:README.md`])
        : null;
      if (kept !== edit)
        return [`start ${id}: the user's edit of README.md is neither in the main checkout nor in ${where}`];
      const dirty = repo.git(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no']).trim();
      return dirty === '' ? [] : [`start ${id}: the edit is in ${where}, yet the main checkout holds ${dirty}`];
    },
  };
};

const ROWS: Row[] = [
  {
    label: 'start',
    prepare: (_repo, id) => ({ args: ['start', id, '--goal', `Goal of ${id}`, '--no-setup'] }),
    landmarks: [quick(ADDING_WORKTREE), CHECKING_OUT],
    check(repo, id) {
      // Rolled back entirely, or an active session (checked whole by the invariants).
      const entry = existsSync(repo.manifestPath) ? repo.manifest().sessions.find((s: any) => s.id === id) : undefined;
      if (entry) return [];
      const left = [
        existsSync(inWorktree(repo, id)) ? `the folder ${id}` : null,
        spawnOk(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/session/${id}`])
          ? `the branch session/${id}`
          : null,
      ].filter(Boolean);
      return left.length > 0 ? [`start ${id} was rolled back from the manifest, but ${left.join(' and ')} remain`] : [];
    },
  },
  dirtyStartRow('stash'),
  dirtyStartRow('commit'),
  {
    // An abandoned session with commits, uncommitted changes, untracked files and an edited .env, brought back.
    label: 'restore (of an abandoned session with uncommitted work)',
    prepare(repo, id, ledger) {
      sessionWithWork(repo, id, { commits: 2, uncommitted: true }, ledger);
      const ended = repo.helper(['end', id, '--strategy', 'abandon', '--confirm', id], {
        env: { FLIGHT_RULES_NOW: repo.tick() },
      });
      if (ended.exitCode !== 0) throw new Error(`abandon ${id}: ${ended.stdout}${ended.stderr}`);
      return { args: ['restore', id, '--no-setup'] };
    },
  },
  endRow('end --strategy merge (base checked out in the main checkout)', 'merge', [], {
    landmarks: [quick(MAIN_MERGING), ASIDE_APPEARS, REMOVAL_UNDER_WAY],
  }),
  endRow('end --strategy merge (ref only: base checked out nowhere)', 'merge', [], {
    base: 'main',
    setup: baseCheckedOutNowhere,
    landmarks: [ASIDE_APPEARS],
  }),
  endRow('end --strategy pr (gh stand-in, bare origin)', 'pr', [], {
    env: (repo) => {
      ghCallsBefore = ghCalls(repo).length;
      return ghPresentEnv(repo);
    },
    landmarks: [GH_RUNS],
    check: (repo) =>
      ghCalls(repo).some((call) => call.argv[0] !== 'pr' || call.argv[1] !== 'create')
        ? ['gh was called with something other than pr create']
        : [],
  }),
  endRow('end --strategy keep --remote origin', 'keep', ['--remote', 'origin'], {
    landmarks: [SESSION_INDEX_LOCKED, REMOVAL_UNDER_WAY],
  }),
  endRow('end --strategy abandon --confirm', 'abandon', [], {
    uncommitted: true,
    landmarks: [quick(ASIDE_APPEARS), REMOVAL_UNDER_WAY],
  }),
  endRow('end --rebase --strategy merge (base moved)', 'merge', ['--rebase'], {
    moveBase: true,
    landmarks: [REBASING],
  }),
  endRow('end --rebase --strategy keep (base moved)', 'keep', ['--rebase'], {
    moveBase: true,
    landmarks: [REBASING, SESSION_INDEX_LOCKED],
  }),
  syncRow('sync --rebase (base moved)', '--rebase', [quick(REBASING)]),
  syncRow('sync --merge (base moved)', '--merge', [quick(SESSION_INDEX_LOCKED)]),
  landRow(false),
  landRow(true),
  {
    label: 'cleanup --yes (a merged session, a killed abandon, a killed start)',
    async prepare(repo, id, ledger) {
      // A session whose branch is merged and whose worktree holds only an edited .env: cleanup removes it, saving the .env.
      const merged = `${id}-m`;
      sessionWithWork(repo, merged, { commits: 2 }, ledger);
      repo.git(['merge', '-q', '--no-ff', '-m', `Merge ${merged} by hand`, `session/${merged}`]);
      ledger.tips.push({ what: `main with ${merged} merged`, commit: repo.git(['rev-parse', 'HEAD']).trim() });
      // An abandon killed once it moved the worktree aside: cleanup moves it back.
      const abandoned = `${id}-a`;
      sessionWithWork(repo, abandoned, { commits: 2, uncommitted: true }, ledger);
      await interrupt(repo, ['end', abandoned, '--strategy', 'abandon', '--confirm', abandoned], () =>
        asideRepaired(repo, abandoned),
      );
      // A start killed during its checkout: cleanup rolls it back.
      const started = `${id}-s`;
      await interrupt(repo, ['start', started, '--no-setup'], () =>
        existsSync(join(repo.main, '.git/worktrees', started, 'index.lock')),
      );
      return { args: ['cleanup', '--yes'] };
    },
    landmarks: [
      {
        name: "cleanup just moved the merged session's worktree aside",
        ready: (repo, id) => asideOf(repo, `${id}-m`) !== null,
        quick: true,
      },
    ],
  },
];

interface Tally {
  trials: number;
  killed: number;
}
const tally: Tally = { trials: 0, killed: 0 };

function log(line: string): void {
  process.stdout.write(`[crash-matrix] ${line}\n`);
}

/** One repository for a row: the large tree, the row's own setup, and a bystander session whose work nothing may touch. */
function rowRepo(row: Row): { repo: LargeRepo; ledger: Ledger } {
  const repo = makeLargeRepo(FILES);
  row.setup?.(repo);
  const ledger = emptyLedger();
  sessionWithWork(
    repo,
    'bystander',
    { commits: 2, uncommitted: true, ...(row.base ? { base: row.base } : {}) },
    ledger,
  );
  return { repo, ledger };
}

interface TrialResult {
  outcome: RunOutcome;
  cleanup: RunOutcome;
  problems: string[];
  /** Milliseconds spent preparing and checking, for the log. */
  prepareMs: number;
  checkMs: number;
}

type Kill = { afterMs: number } | { landmark: Landmark } | null;

async function trial(repo: LargeRepo, ledger: Ledger, row: Row, id: string, kill: Kill): Promise<TrialResult> {
  const prepared = Date.now();
  const scenario = await row.prepare(repo, id, ledger);
  const prepareMs = Date.now() - prepared;
  // Every ref's commit before the kill must stay reachable.
  for (const line of repo.git(['for-each-ref', '--format=%(objectname) %(refname)']).split('\n').filter(Boolean)) {
    const [commit, ref] = line.split(' ') as [string, string];
    ledger.tips.push({ what: `${ref} before ${id}`, commit });
  }
  const outcome = await runGroup(repo, scenario.args, {
    ...(scenario.cwd ? { cwd: scenario.cwd } : {}),
    env: { ...scenario.env, FLIGHT_RULES_NOW: repo.tick() },
    ...(kill && 'afterMs' in kill ? { killAfterMs: kill.afterMs } : {}),
    ...(kill && 'landmark' in kill ? { killWhen: () => kill.landmark.ready(repo, id) } : {}),
  });
  const problems: string[] = [];
  if (outcome.signal !== 'SIGKILL' && outcome.code !== 0)
    problems.push(`0 not cut short, yet it exited ${outcome.code}:\n${outcome.stdout}${outcome.stderr}`);
  // A kill at any instant leaves the old manifest or the new one, both valid.
  if (existsSync(repo.manifestPath)) {
    try {
      const errors = schemaErrors('manifest', repo.manifest());
      if (errors) problems.push(`0 right after the kill the manifest fails its schema: ${errors}`);
    } catch (error) {
      problems.push(`0 right after the kill the manifest does not parse: ${(error as Error).message}`);
    }
  }
  const cleanup = await runGroup(repo, ['cleanup', '--yes'], { env: { FLIGHT_RULES_NOW: repo.tick() } });
  if (cleanup.code !== 0) problems.push(`0 cleanup --yes exited ${cleanup.code}:\n${cleanup.stdout}${cleanup.stderr}`);
  const checked = Date.now();
  problems.push(
    ...brokenInvariants(repo, ledger, { mainClean: !row.mainDirty }),
    ...(row.check?.(repo, id, outcome) ?? []),
  );
  return { outcome, cleanup, problems, prepareMs, checkMs: Date.now() - checked };
}

function report(
  row: Row,
  rowSeedValue: number,
  n: number,
  id: string,
  kill: Kill,
  uncutMs: number,
  result: TrialResult,
  repo: LargeRepo,
): string {
  const when =
    kill === null
      ? 'uncut'
      : 'afterMs' in kill
        ? `killed at ${kill.afterMs} ms of ${uncutMs} ms uncut`
        : `killed when ${kill.landmark.name}`;
  const replay = `CRASH_SEED=${SEED} CRASH_ROW='${row.label}'${kill && 'afterMs' in kill ? ` CRASH_DELAY_MS=${kill.afterMs}` : ''}`;
  return [
    `=== ${row.label}, trial ${n} (session ${id}): ${when}; ${result.outcome.signal ?? `exit ${result.outcome.code}`} after ${result.outcome.ms} ms`,
    `replay: ${replay} (row seed ${rowSeedValue})`,
    ...result.problems.map((problem) => `  BROKEN ${problem}`),
    `--- the killed run's output\n${(result.outcome.stdout + result.outcome.stderr).trim() || '(none)'}`,
    `--- cleanup --yes\n${(result.cleanup.stdout + result.cleanup.stderr).trim()}`,
    describeState(repo),
  ].join('\n');
}

log(`seed ${SEED} (replay with CRASH_SEED=${SEED}); ${TRIALS} kill(s) per row; ${FILES} files`);

describe('crash matrix: SIGKILL of the process group, then one cleanup --yes', () => {
  let floor = 0;
  const repos: Repo[] = [];
  afterAll(() => {
    for (const repo of repos) repo.cleanup();
  });

  for (const row of ROWS) {
    const run = ONLY && !row.label.includes(ONLY) ? it.skip : it;
    run(
      row.label,
      async () => {
        const seed = rowSeed(SEED, row.label);
        const rand = prng(seed);
        const built = Date.now();
        let { repo, ledger } = rowRepo(row);
        log(`${row.label}: repository and bystander in ${Date.now() - built} ms`);
        repos.push(repo);
        if (floor === 0) floor = await startupFloorMs(repo);

        // Uncut first: how long the work takes here, and the same invariants after it.
        const uncut = await trial(repo, ledger, row, 'cal', null);
        const uncutMs = uncut.outcome.ms;
        log(`${row.label}: uncut ${uncutMs} ms (helper start-up ${floor} ms)${uncut.problems.length ? ' BROKEN' : ''}`);
        const kills: Kill[] = [];
        const low = Math.min(floor, uncutMs / 2);
        for (let n = 1; n <= TRIALS; n++)
          kills.push({ afterMs: FORCED_DELAY ?? Math.floor(low + rand() * (uncutMs - low)) });
        if (FORCED_DELAY === null)
          for (const landmark of row.landmarks ?? []) if (FULL || landmark.quick) kills.push({ landmark });
        // Each broken trial is described at once, while its state is still there.
        const reports: string[] =
          uncut.problems.length > 0 ? [report(row, seed, 0, 'cal', null, uncutMs, uncut, repo)] : [];
        let lastBroken = uncut.problems.length > 0;
        for (const [index, kill] of kills.entries()) {
          const n = index + 1;
          if (lastBroken) {
            // A fresh repository, so this trial reports its own defects, not the last one's leftovers.
            repo.cleanup();
            ({ repo, ledger } = rowRepo(row));
            repos.push(repo);
          }
          const id = `t${n}`;
          const result = await trial(repo, ledger, row, id, kill);
          const killed = result.outcome.signal === 'SIGKILL';
          if (kill && 'afterMs' in kill) {
            tally.trials++;
            if (killed) tally.killed++;
          }
          const when =
            kill && 'afterMs' in kill
              ? `killed at ${kill.afterMs} ms of ${uncutMs}`
              : `killed when ${(kill as { landmark: Landmark }).landmark.name}`;
          log(
            `${row.label}: trial ${n} ${when}: ${killed ? `cut short at ${result.outcome.ms} ms` : `had exited ${result.outcome.code} after ${result.outcome.ms} ms`}; cleanup ${result.cleanup.ms} ms (prepared in ${result.prepareMs} ms, checked in ${result.checkMs} ms); ${result.problems.length ? `BROKEN (${result.problems.length})` : 'ok'}`,
          );
          lastBroken = result.problems.length > 0;
          if (lastBroken) reports.push(report(row, seed, n, id, kill, uncutMs, result, repo));
        }
        repo.cleanup();
        for (const text of reports) log(text);
        expect(reports, reports.join('\n\n')).toEqual([]);
      },
      FULL ? 600_000 : 120_000,
    );
  }

  it.skipIf(Boolean(ONLY))('the kills land inside the work: at least a third of them cut the operation short', () => {
    log(`${tally.killed} of ${tally.trials} kills cut the operation short`);
    expect(tally.trials).toBeGreaterThan(0);
    expect(tally.killed).toBeGreaterThanOrEqual(Math.ceil(tally.trials / 3));
  });
});
