/**
 * The command files' text: one source (the plugin form, which `claude --plugin-dir` reads as is) and the forms the
 * installer writes, plus the small parsers the tests use to check every helper call a command makes.
 */

/** How the source commands reach the helper: the plugin's own dist folder. */
export const SOURCE_RUNTIME_DIR = '${CLAUDE_PLUGIN_ROOT}/dist';

/** Where an install puts session.mjs and hook.mjs, relative to the project or to HOME. */
export const RUNTIME_SUBDIR = '.claude/commands/flight-rules';

export type Scope = 'project' | 'user';
export type Agent = 'claude' | 'cursor';

/**
 * The folder the installed commands name for the helper. Claude Code substitutes ${CLAUDE_PROJECT_DIR} in command
 * text and allowed-tools; Cursor substitutes nothing, so its project form asks git for the worktree's top folder.
 */
export function runtimeDirFor(scope: Scope, agent: Agent): string {
  if (scope === 'user') return `$HOME/${RUNTIME_SUBDIR}`;
  return agent === 'claude' ? `\${CLAUDE_PROJECT_DIR}/${RUNTIME_SUBDIR}` : `$(git rev-parse --show-toplevel)/${RUNTIME_SUBDIR}`;
}

export function helperPrefix(runtimeDir: string): string {
  return `node "${runtimeDir}/session.mjs"`;
}

/** A `!` line runs before the prompt is sent; Cursor has no such thing, and the text already says what to do then. */
export function isBangLine(line: string): boolean {
  return line.startsWith('!`');
}

export function renderCommand(source: string, scope: Scope, agent: Agent): string {
  const text = source.split(SOURCE_RUNTIME_DIR).join(runtimeDirFor(scope, agent));
  if (agent === 'claude') return text;
  const lines = text.split('\n');
  const kept = lines.filter((line) => !isBangLine(line));
  // Dropping a `!` line can leave two blank lines in a row.
  return kept.filter((line, index) => !(line === '' && kept[index - 1] === '')).join('\n');
}

export interface Frontmatter {
  fields: Record<string, string | boolean>;
  body: string;
}

/** The frontmatter these command files use: `key: value` lines, values plain, single-quoted or boolean. */
export function parseFrontmatter(text: string): Frontmatter {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!match) throw new Error('no frontmatter: a command file must start with a --- block');
  const fields: Record<string, string | boolean> = {};
  for (const line of match[1]!.split('\n')) {
    const pair = /^([a-z-]+):\s*(.*)$/.exec(line);
    if (!pair) throw new Error(`frontmatter line not understood: ${line}`);
    const raw = pair[2]!;
    fields[pair[1]!] = raw === 'true' ? true : raw === 'false' ? false : /^'.*'$/.test(raw) ? raw.slice(1, -1).replaceAll("''", "'") : raw;
  }
  return { fields, body: text.slice(match[0].length) };
}

/** `Bash(a:*), Bash(b c:*)` → the rules, split on commas outside parentheses. */
export function parseAllowedTools(value: string): string[] {
  const rules: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of value) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      rules.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim()) rules.push(current.trim());
  return rules;
}

/** Whether a Bash rule (`Bash(prefix:*)` or `Bash(exact)`) allows a command line, as Claude Code matches them. */
export function ruleAllows(rule: string, command: string): boolean {
  const match = /^Bash\((.*)\)$/.exec(rule);
  if (!match) return false;
  const pattern = match[1]!;
  if (pattern.endsWith(':*')) {
    const prefix = pattern.slice(0, -2);
    return command === prefix || command.startsWith(`${prefix} `);
  }
  return command === pattern;
}

export interface ShellLine {
  line: string;
  /** Where it was written: a `!` line, or a line of a fenced code block. */
  kind: 'bang' | 'code';
}

/** Every command line a command file asks to run: `!` lines and the lines of sh, bash or shell code blocks. */
export function shellLines(body: string): ShellLine[] {
  const found: ShellLine[] = [];
  let fence: string | null = null;
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (fence === null) {
      const open = /^```(\S*)$/.exec(line);
      if (open) fence = open[1]!;
      else if (isBangLine(line)) found.push({ line: line.slice(2, line.lastIndexOf('`')), kind: 'bang' });
      continue;
    }
    if (line === '```') {
      fence = null;
      continue;
    }
    if (['sh', 'bash', 'shell'].includes(fence) && line !== '') found.push({ line, kind: 'code' });
  }
  return found;
}

/** Splits a command line into words, honouring "double" and 'single' quotes; placeholders like <name> stay words. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

export interface HelperCall {
  line: string;
  kind: ShellLine['kind'];
  subcommand: string;
  /** Long flags used, without the dashes. */
  flags: string[];
}

export function helperCalls(body: string, prefix: string): HelperCall[] {
  return shellLines(body)
    .filter(({ line }) => line.startsWith(`${prefix} `))
    .map(({ line, kind }) => {
      const words = shellWords(line.slice(prefix.length + 1));
      return {
        line,
        kind,
        subcommand: words[0] ?? '',
        flags: words.slice(1).filter((word) => word.startsWith('--')).map((word) => word.slice(2).split('=')[0]!),
      };
    });
}
