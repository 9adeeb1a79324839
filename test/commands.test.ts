/**
 * The command files are the product's face: their frontmatter, every helper call they write, and the permission
 * rules that must cover those calls are checked here, in the source (plugin) form and in every installed form.
 */
import { describe, expect, it } from 'vitest';
import { renderSessionLogStub, SESSION_LOG_HEADINGS } from '../scripts/core/session-log.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { ROOT } from './helpers/gitdir.js';
import { SUBCOMMANDS } from '../scripts/subcommands/index.js';
import { packSettings } from '../scripts/install/settings.js';
import { OTHER_ERROR_CODES, REFUSAL_CODES } from '../scripts/lib/errors.js';
import {
  BANG_INTRO,
  BANG_MISSING,
  SOURCE_RUNTIME_DIR,
  missingHelperNote,
  splitBangCommand,
  helperPrefix,
  isBangLine,
  renderCommand,
  runtimeDirFor,
  type Agent,
  type Scope,
} from '../scripts/install/command-text.js';
import { textQuestions } from './client/follow-text.js';
import { helperCalls, parseAllowedTools, parseFrontmatter, ruleAllows, shellLines } from './helpers/command-text.js';

const registry = new Map(SUBCOMMANDS.map((subcommand) => [subcommand.name, Object.keys(subcommand.options)]));
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/command.schema.json'), 'utf8'));
const validateFrontmatter = new Ajv({ allErrors: true }).compile(schema);

const EXPECTED = [
  'dev-session.end.md',
  'dev-session.start.md',
  'parallel.cleanup.md',
  'parallel.land.md',
  'parallel.overview.md',
  'parallel.status.md',
  'parallel.sync.md',
];
const files = readdirSync(join(ROOT, 'commands'))
  .filter((file) => file.endsWith('.md'))
  .sort();
const source = (file: string) => readFileSync(join(ROOT, 'commands', file), 'utf8');
const SOURCE_PREFIX = helperPrefix(SOURCE_RUNTIME_DIR);

/** Subcommands that change something; a command running one must be user-invoked only. */
const SIDE_EFFECTS = new Set(['start', 'end', 'restore', 'sync', 'setup', 'cleanup', 'open', 'ready', 'land']);
/** Read-only and always exit 0: the only ones a `!` line may run, since any non-zero exit aborts the command. */
const BANG_SAFE = new Set(['status', 'overlap']);

const calls = files.flatMap((file) =>
  helperCalls(parseFrontmatter(source(file)).body, SOURCE_PREFIX).map((call) => ({ file, ...call })),
);

it('gives each question it asks two to four options, as many as AskUserQuestion takes', () => {
  const questions = files.flatMap((file) =>
    textQuestions(parseFrontmatter(source(file)).body)
      .filter((question) => question.options.length > 0)
      .map((question) => ({ file, ...question })),
  );
  // The eight the texts ask today: a question the parser stops seeing would pass unchecked.
  expect(questions.length).toBeGreaterThanOrEqual(8);
  expect(
    questions
      .filter((question) => question.options.length < 2 || question.options.length > 4)
      .map((question) => `${question.file}: ${question.question} (${question.options.length})`),
  ).toEqual([]);
});

it('ships exactly the seven commands', () => {
  expect(files).toEqual(EXPECTED);
});

describe.each(files)('%s', (file) => {
  const { fields, body } = parseFrontmatter(source(file));
  const rules = parseAllowedTools(String(fields['allowed-tools']));
  const own = helperCalls(body, SOURCE_PREFIX);

  it('has frontmatter that matches schemas/command.schema.json', () => {
    const valid = validateFrontmatter(fields);
    expect(validateFrontmatter.errors ?? [], JSON.stringify(validateFrontmatter.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('calls the helper at least once', () => {
    expect(own.length).toBeGreaterThan(0);
  });

  it('is user-invoked only when it runs a subcommand with side effects', () => {
    const changes = own.some((call) => SIDE_EFFECTS.has(call.subcommand));
    expect(fields['disable-model-invocation'] === true).toBe(changes);
  });

  it('runs `!` lines only for read-only helper calls, each with a fallback for tools without `!`', () => {
    for (const call of own.filter((c) => c.kind === 'bang')) {
      expect(BANG_SAFE.has(call.subcommand), call.line).toBe(true);
      expect(
        own.some((c) => c.kind === 'code' && c.line === call.line),
        `no code-block fallback for ${call.line}`,
      ).toBe(true);
    }
    const bangLines = body.split('\n').filter(isBangLine);
    expect(bangLines.every((line) => /^!`[^`]+`$/.test(line))).toBe(true);
    if (bangLines.length > 0) {
      // The client would abort the whole command on a failing `!` line: each one falls back to one line of advice.
      for (const line of bangLines)
        expect(splitBangCommand(line.slice(2, -1)).note, line).toBe(missingHelperNote('plugin'));
      // The installer swaps these two sentences for Cursor, which has no `!` lines: each must be there, on a line of its own.
      expect(body.split('\n').filter((line) => line === BANG_INTRO)).toHaveLength(1);
      expect(body.split('\n').filter((line) => line === BANG_MISSING)).toHaveLength(1);
    }
  });

  it('pre-approves every command it runs in allowed-tools, and nothing it does not run', () => {
    const lines = shellLines(body).map((entry) => entry.line);
    for (const line of lines)
      expect(
        rules.some((rule) => ruleAllows(rule, line)),
        `not covered: ${line}`,
      ).toBe(true);
    const helperRules = rules.filter((rule) => rule.includes('session.mjs'));
    for (const rule of helperRules)
      expect(
        own.some((call) => ruleAllows(rule, call.line)),
        `unused rule: ${rule}`,
      ).toBe(true);
  });

  it('names the helper only through the plugin root placeholder', () => {
    expect(body).not.toMatch(/CLAUDE_PROJECT_DIR/);
    const mentions = shellLines(body).filter((entry) => entry.line.includes('session.mjs'));
    for (const entry of mentions) expect(entry.line.startsWith(`${SOURCE_PREFIX} `), entry.line).toBe(true);
  });
});

describe('every flag the prose tells the agent to pass belongs to a subcommand that command runs', () => {
  it.each(files)('%s', (file) => {
    const { body } = parseFrontmatter(source(file));
    const own = new Set(helperCalls(body, SOURCE_PREFIX).map((call) => call.subcommand));
    const known = new Set(['json', ...[...own].flatMap((name) => registry.get(name) ?? [])]);
    const withoutGit = body
      .split('\n')
      .filter((line) => !line.trim().startsWith('git '))
      .join('\n')
      .replace(/`git [^`]*`/g, '')
      // Claude Code's own flags (claude --resume) are not the helper's.
      .replace(/`[^`]*\bclaude --[^`]*`/g, '');
    const flags = [...withoutGit.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((match) => match[1]!);
    expect([...new Set(flags.filter((flag) => !known.has(flag)))]).toEqual([]);
  });
});

describe('every helper call is a real subcommand with real flags', () => {
  const used = [...new Set(calls.map((call) => call.subcommand))].sort();

  it('uses only subcommands the helper has', () => {
    expect(used.filter((name) => !registry.has(name))).toEqual([]);
  });

  it.each(calls.map((call) => [call.file, call.line, call] as const))('%s: %s', (_file, _line, call) => {
    const options = registry.get(call.subcommand) ?? [];
    expect(
      call.flags.filter((flag) => flag !== 'json' && !options.includes(flag)),
      `flags of "${call.subcommand}" the helper does not take`,
    ).toEqual([]);
  });
});

const HOME = '/home/someone';

describe.each<[Scope, Agent]>([
  ['project', 'claude'],
  ['user', 'claude'],
  ['project', 'cursor'],
  ['user', 'cursor'],
])('installed form: %s install for %s', (scope, agent) => {
  const prefix = helperPrefix(runtimeDirFor(scope, agent, HOME));
  it.each(files)('%s names the installed helper and stays covered by its rules', (file) => {
    const rendered = renderCommand(source(file), scope, agent, HOME);
    expect(rendered).not.toContain('CLAUDE_PLUGIN_ROOT');
    const { fields, body } = parseFrontmatter(rendered);
    const own = helperCalls(body, prefix);
    expect(own.length).toBe(
      helperCalls(parseFrontmatter(source(file)).body, SOURCE_PREFIX).filter(
        (c) => agent === 'claude' || c.kind === 'code',
      ).length,
    );
    const rules = parseAllowedTools(String(fields['allowed-tools']));
    for (const call of own)
      expect(
        rules.some((rule) => ruleAllows(rule, call.line)),
        call.line,
      ).toBe(true);
    if (agent === 'cursor') expect(body.split('\n').filter(isBangLine)).toEqual([]);
    if (scope === 'user') expect(rendered).not.toContain('$HOME');
    for (const line of body.split('\n').filter(isBangLine))
      expect(splitBangCommand(line.slice(2, -1)).note).toBe(missingHelperNote(scope, HOME));
  });
});

describe('the log and progress templates in the command texts', () => {
  const fenced = (text: string, after: string) => {
    const from = text.indexOf(after);
    const block = /```markdown\n([\s\S]*?)\n\s*```/.exec(text.slice(from));
    if (from === -1 || !block) throw new Error(`no markdown template after "${after}"`);
    return block[1]!
      .split('\n')
      .map((line) => line.replace(/^ {3}/, ''))
      .join('\n');
  };

  it('the standard session log has the sections, in the order, of the parallel stub the helper writes', () => {
    const template = fenced(source('dev-session.start.md'), '### 5a. Standard session');
    expect([...template.matchAll(/^## (.+)$/gm)].map((match) => match[1])).toEqual([...SESSION_LOG_HEADINGS]);
    const stub = renderSessionLogStub({
      name: 'x',
      goals: ['g'],
      worktree: '../p-sessions/x',
      branch: 'session/x',
      baseBranch: 'main',
      baseCommit: 'a'.repeat(40),
      startedAt: new Date('2026-01-15T10:00:00Z'),
    });
    expect([...stub.matchAll(/^## (.+)$/gm)].map((match) => match[1])).toEqual([...SESSION_LOG_HEADINGS]);
  });

  it('the progress entry has the Flight Rules shape: a ### date heading, bullets, a link to the log', () => {
    const entry = fenced(source('dev-session.end.md'), 'Add an entry to `docs/progress.md`');
    expect(entry).toMatch(/^### <YYYY-MM-DD HH:MM>\n\n(- .+\n)+- .+$/);
    expect(entry).toMatch(/\]\(session_logs\/.+\)/);
  });
});

describe('the start command covers every refusal of `start`', () => {
  const codes = [
    'session-exists',
    'worktree-path-exists',
    'branch-exists',
    'main-dirty',
    'git-busy',
    'inside-session',
    'no-commits',
    'unknown-base',
    'detached-head',
    'manifest-invalid',
    'manifest-locked',
    'manifest-full',
    'git-failed',
    'config-invalid',
  ];
  it.each(codes)('%s', (code) => {
    // A table row of the refusal table names it in its first cell.
    expect(source('dev-session.start.md')).toMatch(new RegExp(`^\\| [^|]*\`${code}\`[^|]*\\|`, 'm'));
  });

  it('offers each --if-dirty choice for a dirty main checkout', () => {
    for (const flag of ['--if-dirty commit --commit-message', '--if-dirty stash', '--if-dirty proceed'])
      expect(source('dev-session.start.md')).toContain(flag);
  });
});

it('abandon needs the typed session name, passed as --confirm', () => {
  const end = source('dev-session.end.md');
  expect(end).toContain('--strategy abandon --confirm <typed name>');
  expect(end).toMatch(/only after the user types the session\s+name to confirm/);
});

describe('plugin', () => {
  it('has a manifest with a name', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'plugin/.claude-plugin/plugin.json'), 'utf8')).name).toBe('flight-rules');
  });

  it('is the plugin folder, which a marketplace lists and which holds no package.json (the client would npm ci it)', () => {
    const marketplace = JSON.parse(readFileSync(join(ROOT, '.claude-plugin/marketplace.json'), 'utf8'));
    expect(marketplace.plugins.map((plugin: any) => [plugin.name, plugin.source])).toEqual([
      ['flight-rules', './plugin'],
    ]);
    expect(readdirSync(join(ROOT, 'plugin')).sort()).toEqual(['.claude-plugin', 'commands', 'dist', 'hooks']);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'plugin/.claude-plugin/plugin.json'), 'utf8'));
    expect(manifest.version).toBe(marketplace.plugins[0].version);
    expect(manifest.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('wires every hook mode to the built hook bundle under the plugin root', () => {
    const hooks = JSON.parse(readFileSync(join(ROOT, 'plugin/hooks/hooks.json'), 'utf8')).hooks;
    expect(hooks.SessionStart[0].hooks[0].command).toBe('node "${CLAUDE_PLUGIN_ROOT}/dist/hook.cjs" session-start');
    expect(hooks.PreToolUse[0].matcher).toBe('Edit|Write|MultiEdit');
    expect(hooks.PreToolUse[0].hooks[0].command).toBe('node "${CLAUDE_PLUGIN_ROOT}/dist/hook.cjs" pre-tool-use');
    // The same five events the installer registers for the agent's state.
    const installed = packSettings('project', true)
      .hooks.filter((hook) => hook.command.includes('agent-state'))
      .map((hook) => hook.event);
    expect(installed).toEqual(['UserPromptSubmit', 'Stop', 'Notification', 'SessionStart', 'SessionEnd']);
    for (const event of installed)
      expect(hooks[event].at(-1).hooks).toEqual([
        { type: 'command', command: 'node "${CLAUDE_PLUGIN_ROOT}/dist/hook.cjs" agent-state', timeout: 10 },
      ]);
  });
});

describe('the refusal codes the texts branch on', () => {
  const known = new Set<string>([...REFUSAL_CODES, ...OTHER_ERROR_CODES]);
  it.each(files)('%s names only codes the helper can give', (file) => {
    const named = parseFrontmatter(source(file))
      .body.split('\n')
      .filter((line) => /^(\| |- )`[a-z]+(-[a-z]+)+`/.test(line.trim()))
      .flatMap((line) =>
        [...line.split(/[|:]/)[line.trim().startsWith('|') ? 1 : 0]!.matchAll(/`([a-z]+(?:-[a-z]+)+)`/g)].map(
          (match) => match[1]!,
        ),
      );
    expect(named.filter((code) => !known.has(code))).toEqual([]);
    if (file === 'dev-session.start.md' || file === 'dev-session.end.md') expect(named.length).toBeGreaterThan(8);
  });

  it("are the error schema's enum, exactly", () => {
    const errorSchema = JSON.parse(readFileSync(join(ROOT, 'schemas/output/error.schema.json'), 'utf8'));
    expect([...errorSchema.properties.error.properties.code.enum].sort()).toEqual([...known].sort());
  });
});
