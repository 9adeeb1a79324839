/** The installer's pure parts, as tables of cases. */
import { describe, expect, it } from 'vitest';
import { addUnionLine, removeUnionLine } from '../scripts/install/gitattributes.js';
import { mergeSettings, packSettings, unmergeSettings, SettingsShapeError, type JsonObject } from '../scripts/install/settings.js';
import { parseAllowedTools, renderCommand, ruleAllows, shellWords } from '../scripts/install/command-text.js';
import { parseInstallArgs } from '../scripts/install/args.js';
import { planInstall, sha256, type InstallFacts } from '../scripts/install/plan.js';

const pack = packSettings('project', true);

describe('settings: merge, then unmerge, gives back the original', () => {
  const cases: [string, JsonObject][] = [
    ['no settings', {}],
    ['unrelated keys', { model: 'opus', env: { A: '1' } }],
    ['user hooks on the same events', { hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'lint' }] }], SessionStart: [] } }],
    ['an empty allow list', { permissions: { allow: [] } }],
    ['user rules and a deny list', { permissions: { allow: ['Bash(npm test:*)'], deny: ['Bash(rm:*)'] } }],
  ];
  it.each(cases)('%s', (_name, original) => {
    const { settings, added } = mergeSettings(original, pack);
    expect(added.hooks).toHaveLength(2);
    expect(added.allow).toHaveLength(2);
    expect(unmergeSettings(settings, added)).toEqual(original);
  });

  it('adds nothing the second time', () => {
    const once = mergeSettings({}, pack).settings;
    const twice = mergeSettings(once, pack);
    expect(twice.settings).toEqual(once);
    expect(twice.added).toEqual({ hooks: [], allow: [], createdKeys: [] });
  });

  it('leaves a rule the user already had, and keeps it on unmerge', () => {
    const rule = pack.allow[0]!;
    const { settings, added } = mergeSettings({ permissions: { allow: [rule] } }, pack);
    expect(added.allow).toEqual([pack.allow[1]]);
    expect(unmergeSettings(settings, added)).toEqual({ permissions: { allow: [rule] } });
  });

  it.each<[string, JsonObject]>([
    ['hooks is an array', { hooks: [] }],
    ['an event is an object', { hooks: { PreToolUse: {} } }],
    ['allow is a string', { permissions: { allow: 'Bash' } }],
  ])('refuses to extend a settings file whose %s', (_name, settings) => {
    expect(() => mergeSettings(settings, pack)).toThrow(SettingsShapeError);
  });

  it('allows only the read-only subcommands outright', () => {
    expect(packSettings('user', false)).toEqual({
      hooks: [],
      allow: ['Bash(node "$HOME/.claude/commands/flight-rules/session.mjs" status:*)', 'Bash(node "$HOME/.claude/commands/flight-rules/session.mjs" overlap:*)'],
    });
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
    '!`node "${CLAUDE_PLUGIN_ROOT}/dist/session.mjs" status`',
    '',
    'If no status output appears above, run it.',
  ].join('\n');

  it.each([
    ['project', 'claude', '"${CLAUDE_PROJECT_DIR}/.claude/commands/flight-rules/session.mjs"'],
    ['user', 'claude', '"$HOME/.claude/commands/flight-rules/session.mjs"'],
    ['project', 'cursor', '"$(git rev-parse --show-toplevel)/.claude/commands/flight-rules/session.mjs"'],
  ] as const)('renders a %s install for %s', (scope, agent, path) => {
    const text = renderCommand(source, scope, agent);
    expect(text).toContain(`Bash(node ${path} status:*)`);
    expect(text.includes(`!\`node ${path} status\``)).toBe(agent === 'claude');
    expect(text).not.toContain('\n\n\n');
  });

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
    expect(shellWords(`start x --goal "two words" --x 'a b'`)).toEqual(['start', 'x', '--goal', 'two words', '--x', 'a b']);
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
    existingDirs: new Set(['.claude']),
    force: false,
    ...over,
  });

  it('records the folders it creates, so that uninstall can remove them', () => {
    const plan = planInstall(facts({}));
    const record = plan.steps.find((step) => step.kind === 'write' && step.path.endsWith('install-manifest.json'));
    expect(record && record.kind === 'write' && JSON.parse(record.content).createdDirs).toEqual(['.claude/commands', '.claude/commands/flight-rules']);
  });

  it.each<[string, string | null, string | undefined, boolean, string]>([
    ['absent', null, undefined, false, 'created'],
    ['identical', 'new\n', undefined, false, 'unchanged'],
    ['its own older version', 'old\n', sha256('old\n'), false, 'updated'],
    ['modified by the user', 'mine\n', sha256('old\n'), false, 'kept'],
    ['unknown to the record', 'mine\n', undefined, false, 'kept'],
    ['modified, with --force', 'mine\n', sha256('old\n'), true, 'overwrote'],
  ])('a file that is %s', (_name, current, recorded, force, outcome) => {
    const plan = planInstall(facts({
      current: new Map([['.claude/commands/a.md', current]]),
      record: recorded ? { version: 1, files: { '.claude/commands/a.md': recorded }, settings: null, gitattributes: { added: false, created: false }, createdDirs: [] } : null,
      force,
    }));
    const said = [...plan.report.done, ...plan.report.kept].join('\n');
    if (outcome === 'unchanged') expect(plan.report.unchanged).toBe(1);
    else expect(said).toMatch(new RegExp(`^${outcome} \\.claude/commands/a\\.md`));
  });
});
