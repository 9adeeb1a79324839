import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_CONFIG,
  parseConfig,
  portSettings,
  sessionsDirInsideRepo,
  sessionsDirProblem,
  CONFIG_FIELDS,
} from '../scripts/core/config.js';
import { makeRepo, snapshot, type Repo } from './helpers/gitdir.js';
import { outputSchemaErrors } from './helpers/schemas.js';

const MAIN = '/work/project';

describe('parseConfig', () => {
  it('fills defaults and keeps what is given', async () => {
    expect(parseConfig({}, MAIN)).toEqual({ config: DEFAULT_CONFIG });
    expect(DEFAULT_CONFIG.savedRefsMaxAgeDays).toBe(30);
    expect(parseConfig({ savedRefsMaxAgeDays: 7 }, MAIN)).toEqual({
      config: { ...DEFAULT_CONFIG, savedRefsMaxAgeDays: 7 },
    });
    const parsed = parseConfig(
      { $schema: './x.json', branchPrefix: 'agents/', copy: ['.env'], ports: { base: 5000 } },
      MAIN,
    );
    expect(parsed).toEqual({
      config: { ...DEFAULT_CONFIG, branchPrefix: 'agents/', copy: ['.env'], ports: { base: 5000 } },
    });
    if ('config' in parsed) expect(portSettings(parsed.config)).toEqual({ base: 5000, blockSize: 10, blocks: 100 });
  });

  it.each([
    [{ ports: { base: 'x' } }, '/ports/base must be integer'],
    [{ ports: { base: 3000.5 } }, '/ports/base must be integer'],
    [{ ports: { base: 80 } }, '/ports/base must be >= 1024'],
    [{ ports: { bse: 4000 } }, '/ports has an unknown field "bse"'],
    [
      { ports: { base: 65000, blockSize: 100, blocks: 100 } },
      '/ports: base + blocks * blockSize - 1 = 74999, above the last port 65535',
    ],
    [{ copy: '.env' }, '/copy must be array'],
    [{ copy: [''] }, '/copy/0 must NOT have fewer than 1 characters'],
    [{ postCreate: 7 }, '/postCreate must be string'],
    [{ branchPrefix: 'a b/' }, '/branchPrefix must match pattern'],
    [{ branchPrefix: '../x/' }, '/branchPrefix must match pattern'],
    [{ staleAfterDays: -1 }, '/staleAfterDays must be >= 0'],
    [{ savedRefsMaxAgeDays: 0 }, '/savedRefsMaxAgeDays must be >= 1'],
    [{ savedRefsMaxAgeDays: '30' }, '/savedRefsMaxAgeDays must be number'],
    [{ sesionsDir: 'x' }, '(top level) has an unknown field "sesionsDir"'],
    [[], '(top level) must be object'],
    [{ sessionsDir: '/tmp/sessions' }, '/sessionsDir must be a path relative to the main checkout'],
    [{ sessionsDir: '~/sessions' }, '/sessionsDir must be a path relative to the main checkout'],
    [{ sessionsDir: '.' }, '/sessionsDir must not be the main checkout or a folder that holds it'],
    [{ sessionsDir: '..' }, '/sessionsDir must not be the main checkout or a folder that holds it'],
    [{ sessionsDir: 'sub/../..' }, '/sessionsDir must not be the main checkout or a folder that holds it'],
    [{ sessionsDir: '.git/sessions' }, '/sessionsDir must not be inside .git'],
  ])('refuses %j naming the field', async (data, problem) => {
    const parsed = parseConfig(data, MAIN);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });

  it.each([
    ['../project-sessions', null],
    ['.sessions', null],
    ['tmp/../.sessions', null],
    ['../elsewhere/sessions', null],
  ])('accepts sessionsDir %s', (dir, expected) => expect(sessionsDirProblem(MAIN, dir)).toBe(expected));

  it.each([
    ['/work/project/.sessions', '.sessions'],
    ['/work/project/a/b', 'a/b'],
    ['/work/project-sessions', null],
    ['/work/project', null],
  ])('sessionsDirInsideRepo(%s) is %s', (dir, expected) => expect(sessionsDirInsideRepo(MAIN, dir)).toBe(expected));

  it('the schema file and the interface agree on the fields', async () => {
    const schema = JSON.parse(readFileSync(new URL('../schemas/config.schema.json', import.meta.url), 'utf8'));
    expect(Object.keys(schema.properties).sort()).toEqual(['$schema', ...CONFIG_FIELDS].sort());
  });

  it('reports every problem at once, and names the fields the file may hold', async () => {
    const parsed = parseConfig({ staleAfterDays: 'soon', sessionMode: 'always', colour: true }, '/r/p');
    expect('problem' in parsed && parsed.problem).toContain('/staleAfterDays must be number');
    expect('problem' in parsed && parsed.problem).toContain(
      '/sessionMode must be one of "ask", "parallel", "standard"',
    );
    expect('problem' in parsed && parsed.problem).toContain(
      'unknown field "colour" (the fields are sessionsDir, branchPrefix',
    );
  });
});

let repo: Repo;
afterEach(() => repo?.cleanup());

describe('the config file in a real repository', () => {
  it('an invalid config is refused naming the field, and nothing changes', async () => {
    repo = makeRepo({ files: { 'README.md': '# x\n', '.claude/flight-rules.json': '{"ports": {"base": "3000"}}\n' } });
    const before = snapshot(repo);
    const result = await repo.cli(['start', 'one', '--json']);
    expect(result.exitCode).toBe(1);
    expect(outputSchemaErrors(result.json)).toBe('');
    expect(result.json.error.code).toBe('config-invalid');
    expect(result.json.error.message).toContain('/ports/base must be integer');
    expect(result.json.error.next).toContain('.claude/flight-rules.json');
    expect(snapshot(repo)).toEqual(before);
  });

  it('a config that is not JSON is refused', async () => {
    repo = makeRepo({ files: { '.claude/flight-rules.json': '{ports: 1' } });
    const result = await repo.cli(['start', 'one']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('is not valid JSON');
  });

  it('a sessions folder inside the repository is excluded once and never shows in status', async () => {
    repo = makeRepo({
      files: {
        'README.md': '# x\n',
        '.claude/flight-rules.json': '{"sessionsDir": ".sessions", "branchPrefix": "agent/"}\n',
      },
    });
    for (const name of ['one', 'two']) {
      const result = await repo.cli(['start', name, '--json']);
      expect(result.exitCode, result.stdout).toBe(0);
      expect(result.json.worktreePath).toBe(join(repo.main, '.sessions', name));
      expect(result.json.session.branch).toBe(`agent/${name}`);
    }
    expect(repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
    const exclude = readFileSync(join(repo.main, '.git/info/exclude'), 'utf8');
    expect(exclude.split('\n').filter((line) => line === '/.sessions/')).toHaveLength(1);
    expect(exclude.split('\n').filter((line) => line === '/.env.session')).toHaveLength(1);
  });
});
