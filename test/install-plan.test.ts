/** The installer's pure parts, as tables of cases. */
import { describe, expect, it } from 'vitest';
import { addUnionLine, removeUnionLine } from '../scripts/install/gitattributes.js';
import {
  mergeSettings,
  packSettings,
  unmergeSettings,
  SettingsShapeError,
  type JsonObject,
} from '../scripts/install/settings.js';
import {
  BANG_INTRO,
  BANG_MISSING,
  bangCommand,
  CURSOR_INTRO,
  cursorMissing,
  homeIsUsable,
  missingHelperNote,
  renderCommand,
  runtimeDirFor,
  splitBangCommand,
} from '../scripts/install/command-text.js';
import { parseAllowedTools, ruleAllows, shellWords } from './helpers/command-text.js';
import { parseInstallArgs } from '../scripts/install/args.js';
import { planInstall, sha256, type InstallFacts } from '../scripts/install/plan.js';

const pack = packSettings('project', true);

describe('settings: merge, then unmerge, gives back the original', () => {
  const cases: [string, JsonObject][] = [
    ['no settings', {}],
    ['unrelated keys', { model: 'opus', env: { A: '1' } }],
    [
      'user hooks on the same events',
      { hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'lint' }] }], SessionStart: [] } },
    ],
    ['an empty allow list', { permissions: { allow: [] } }],
    ['user rules and a deny list', { permissions: { allow: ['Bash(npm test:*)'], deny: ['Bash(rm:*)'] } }],
  ];
  it.each(cases)('%s', (_name, original) => {
    const { settings, added } = mergeSettings(original, pack);
    expect(added.hooks).toHaveLength(7);
    expect(added.allow).toHaveLength(4);
    expect(added.deny).toHaveLength(1);
    expect(unmergeSettings(settings, added)).toEqual(original);
  });

  it('adds nothing the second time', () => {
    const once = mergeSettings({}, pack).settings;
    const twice = mergeSettings(once, pack);
    expect(twice.settings).toEqual(once);
    expect(twice.added).toEqual({ hooks: [], allow: [], deny: [], createdKeys: [] });
  });

  it('leaves a rule the user already had, and keeps it on unmerge', () => {
    const rule = pack.allow[0]!;
    const { settings, added } = mergeSettings({ permissions: { allow: [rule] } }, pack);
    expect(added.allow).toEqual(pack.allow.slice(1));
    expect(unmergeSettings(settings, added)).toEqual({ permissions: { allow: [rule] } });
  });

  it.each<[string, JsonObject]>([
    ['hooks is an array', { hooks: [] }],
    ['an event is an object', { hooks: { PreToolUse: {} } }],
    ['allow is a string', { permissions: { allow: 'Bash' } }],
  ])('refuses to extend a settings file whose %s', (_name, settings) => {
    expect(() => mergeSettings(settings, pack)).toThrow(SettingsShapeError);
  });

  it('allows only the read-only subcommands outright; a user install names the helper by its absolute path', () => {
    expect(packSettings('user', false, '/home/me')).toEqual({
      hooks: [],
      allow: [
        'Bash(node "/home/me/.claude/commands/flight-rules/session.mjs" status:*)',
        'Bash(node "/home/me/.claude/commands/flight-rules/session.mjs" overlap:*)',
      ],
      deny: [],
    });
  });

  it("a project install names no folder: the helper path's end, with a deny rule for a quote before it", () => {
    expect(packSettings('project', false)).toEqual({
      hooks: [],
      allow: [
        'Bash(node "/*/.claude/commands/flight-rules/session.mjs" status)',
        'Bash(node "/*/.claude/commands/flight-rules/session.mjs" status *)',
        'Bash(node "/*/.claude/commands/flight-rules/session.mjs" overlap)',
        'Bash(node "/*/.claude/commands/flight-rules/session.mjs" overlap *)',
      ],
      deny: ['Bash(node "/*"*/.claude/commands/flight-rules/session.mjs"*)'],
    });
  });

  it('old records, without deny, still unmerge', () => {
    const { settings, added } = mergeSettings({}, packSettings('user', true, '/home/me'));
    const { deny: _deny, ...old } = added;
    expect(unmergeSettings(settings, old)).toEqual({});
  });
});

describe('.gitattributes', () => {
  it.each<[string | null, string | null]>([
    [null, 'docs/progress.md merge=union\n'],
    ['', 'docs/progress.md merge=union\n'],
    ['*.png binary\n', '*.png binary\ndocs/progress.md merge=union\n'],
    ['*.png binary', '*.png binary\ndocs/progress.md merge=union\n'],
    ['docs/progress.md merge=union\n', null],
    ['docs/progress.md text merge=union\n', null],
  ])('%j → %j', (current, next) => {
    expect(addUnionLine(current)).toBe(next);
  });

  it.each<[string, string]>([
    ['docs/progress.md merge=union\n', ''],
    ['*.png binary\ndocs/progress.md merge=union\n', '*.png binary\n'],
    ['*.png binary\n', '*.png binary\n'],
  ])('removing from %j gives %j', (current, next) => {
    expect(removeUnionLine(current)).toBe(next);
  });
});

describe('command text', () => {
  const source = [
    '---',
    `allowed-tools: 'Bash(node "\${CLAUDE_PLUGIN_ROOT}/dist/session.mjs" status:*)'`,
    '---',
    '',
    `!\`${bangCommand('node "${CLAUDE_PLUGIN_ROOT}/dist/session.mjs" status', missingHelperNote('plugin'))}\``,
    '',
    BANG_INTRO,
    '',
    '```sh',
    'node "${CLAUDE_PLUGIN_ROOT}/dist/session.mjs" status',
    '```',
    '',
    BANG_MISSING,
  ].join('\n');

  it.each([
    ['project', 'claude', '"${CLAUDE_PROJECT_DIR}/.claude/commands/flight-rules/session.mjs"'],
    ['user', 'claude', '"/home/me/.claude/commands/flight-rules/session.mjs"'],
    ['project', 'cursor', '"$(git rev-parse --show-toplevel)/.claude/commands/flight-rules/session.mjs"'],
    ['user', 'cursor', '"/home/me/.claude/commands/flight-rules/session.mjs"'],
  ] as const)('renders a %s install for %s', (scope, agent, path) => {
    const text = renderCommand(source, scope, agent, '/home/me');
    expect(text).toContain(`Bash(node ${path} status:*)`);
    expect(text).not.toContain('CLAUDE_PLUGIN_ROOT');
    expect(text).not.toContain(missingHelperNote('plugin'));
    expect(text).not.toContain('\n\n\n');
    if (agent === 'claude') {
      // The `!` line keeps its fallback, with this form's note; the sentences around it stay.
      expect(text).toContain(`!\`node ${path} status 2>/dev/null || echo "${missingHelperNote(scope, '/home/me')}"\``);
      expect(text).toContain(`${BANG_INTRO}\n`);
      expect(text).toContain(BANG_MISSING);
    } else {
      // No `!` line, so nothing may speak of its output.
      expect(text).not.toContain('!`');
      expect(text).not.toContain(BANG_INTRO);
      expect(text).not.toContain(BANG_MISSING);
      expect(text).not.toMatch(/output appears above/i);
      expect(text).toContain(CURSOR_INTRO);
      expect(text).toContain(cursorMissing(scope));
    }
  });

  it("names the main checkout's copy only where a project install has one", () => {
    expect(missingHelperNote('project')).toContain(
      '<main checkout>/.claude/commands/flight-rules/session.mjs, where <main checkout> is the first path git worktree list prints',
    );
    for (const note of [missingHelperNote('plugin'), missingHelperNote('user', '/home/me')])
      expect(note).not.toContain('main checkout');
    expect(missingHelperNote('user', '/home/me')).toContain(
      '/home/me/.claude/commands/flight-rules/session.mjs is missing',
    );
    expect(missingHelperNote('plugin')).toMatch(/reinstall the plugin/);
  });

  it('splits a `!` command into its helper call and the note, and builds it back', () => {
    const command = bangCommand('node "/x/session.mjs" overlap', 'Gone.');
    expect(command).toBe('node "/x/session.mjs" overlap 2>/dev/null || echo "Gone."');
    expect(splitBangCommand(command)).toEqual({ call: 'node "/x/session.mjs" overlap', note: 'Gone.' });
    expect(splitBangCommand('node "/x/session.mjs" status')).toEqual({
      call: 'node "/x/session.mjs" status',
      note: null,
    });
    expect(() => bangCommand('x', 'a "quoted" note')).toThrow(/must not hold/);
  });

  it.each(['relative/home', "/home/it's", '/home/$USER', '/home/a*b', '/home/(x)', '/home/a"b'])(
    'refuses the home folder %j for a user install',
    (home) => {
      expect(homeIsUsable(home)).toBe(false);
      expect(() => runtimeDirFor('user', 'claude', home)).toThrow(/absolute home folder/);
    },
  );

  it.each([
    ['Bash(git status:*)', 'git status', true],
    ['Bash(git status:*)', 'git status --short', true],
    ['Bash(git status:*)', 'git statusx', false],
    ['Bash(git log)', 'git log', true],
    ['Bash(git log)', 'git log -1', false],
    ['Read', 'git log', false],
  ])('%s allows %j: %s', (rule, command, allowed) => {
    expect(ruleAllows(rule, command)).toBe(allowed);
  });

  it('splits allowed-tools on commas outside parentheses', () => {
    expect(parseAllowedTools('Bash(a, b:*), Bash(c:*)')).toEqual(['Bash(a, b:*)', 'Bash(c:*)']);
  });

  it('splits words honouring quotes', () => {
    expect(shellWords(`start x --goal "two words" --x 'a b'`)).toEqual([
      'start',
      'x',
      '--goal',
      'two words',
      '--x',
      'a b',
    ]);
  });
});

describe('installer arguments', () => {
  it.each<[string[], Partial<ReturnType<typeof parseInstallArgs>>]>([
    [[], { projectDir: '/here', user: false, agents: ['claude'], hooks: true, gitattributes: true }],
    [['../p', '--agent', 'both', '--no-hooks'], { projectDir: '/p', agents: ['claude', 'cursor'], hooks: false }],
    [['--user', '--dry-run'], { projectDir: null, user: true, dryRun: true }],
  ])('%j', (argv, expected) => {
    expect(parseInstallArgs(argv, '/here')).toMatchObject(expected);
  });

  it.each([[['--user', 'p']], [['a', 'b']], [['--bogus']], [['--agent', 'codex']]])('%j is a usage error', (argv) => {
    expect(() => parseInstallArgs(argv, '/here')).toThrow(/--user|expected at most|Unknown option|--agent/);
  });
});

describe('planInstall', () => {
  const facts = (over: Partial<InstallFacts>): InstallFacts => ({
    desired: [{ path: '.claude/commands/a.md', content: 'new\n' }],
    current: new Map(),
    record: null,
    recordPath: '.claude/commands/flight-rules/install-manifest.json',
    settings: null,
    gitattributes: null,
    runtimeDir: '.claude/commands/flight-rules',
    existingDirs: new Set(['.claude']),
    force: false,
    ...over,
  });

  it('records the folders it creates, so that uninstall can remove them', () => {
    const plan = planInstall(facts({}));
    const record = plan.steps.find((step) => step.kind === 'write' && step.path.endsWith('install-manifest.json'));
    expect(record && record.kind === 'write' && JSON.parse(record.content).createdDirs).toEqual([
      '.claude/commands',
      '.claude/commands/flight-rules',
    ]);
  });

  it.each<[string, string | null, string | undefined, boolean, string]>([
    ['absent', null, undefined, false, 'created'],
    ['identical', 'new\n', undefined, false, 'unchanged'],
    ['its own older version', 'old\n', sha256('old\n'), false, 'updated'],
    ['modified by the user', 'mine\n', sha256('old\n'), false, 'kept'],
    ['unknown to the record', 'mine\n', undefined, false, 'kept'],
    ['modified, with --force', 'mine\n', sha256('old\n'), true, 'overwrote'],
  ])('a file that is %s', (_name, current, recorded, force, outcome) => {
    const plan = planInstall(
      facts({
        current: new Map([['.claude/commands/a.md', current]]),
        record: recorded
          ? {
              version: 1,
              files: { '.claude/commands/a.md': recorded },
              settings: null,
              gitattributes: { added: false, created: false },
              createdDirs: [],
            }
          : null,
        force,
      }),
    );
    const said = [...plan.report.done, ...plan.report.kept].join('\n');
    if (outcome === 'unchanged') expect(plan.report.unchanged).toBe(1);
    else expect(said).toMatch(new RegExp(`^${outcome} \\.claude/commands/a\\.md`));
  });
  it.each<[string, string, string | null, string[], string | null]>([
    ['a runtime file as written', '.claude/commands/flight-rules/old.mjs', 'old\n', ['remove'], 'removed'],
    ['a runtime file the user changed', '.claude/commands/flight-rules/old.mjs', 'mine\n', [], 'kept'],
    ['a runtime file already gone', '.claude/commands/flight-rules/old.mjs', null, [], null],
    ['a command file of another agent', '.cursor/commands/a.md', 'old\n', [], null],
  ])('an earlier install wrote %s that this run does not', (_name, path, current, steps, said) => {
    const plan = planInstall(
      facts({
        current: new Map([[path, current]]),
        record: {
          version: 1,
          files: { [path]: sha256('old\n') },
          settings: null,
          gitattributes: { added: false, created: false },
          createdDirs: [],
        },
      }),
    );
    expect(plan.steps.filter((step) => step.path === path).map((step) => step.kind)).toEqual(steps);
    const lines = [...plan.report.done, ...plan.report.kept].filter((line) => line.includes(path));
    expect(lines.map((line) => line.split(' ')[0] ?? null)).toEqual(said ? [said] : []);
    const record = plan.steps.find((step) => step.kind === 'write' && step.path.endsWith('install-manifest.json'));
    const recorded = record && record.kind === 'write' ? Object.keys(JSON.parse(record.content).files) : [];
    expect(recorded.includes(path)).toBe(path.startsWith('.cursor/'));
  });
});
