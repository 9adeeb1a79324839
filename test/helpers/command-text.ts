/**
 * Readers of the command files for the tests: their frontmatter, allowed-tools rules, whether a rule
 * allows a command line, and the helper calls their shell lines make. The pack itself never reads
 * its commands this way, so these live with the tests.
 */
import { isBangLine, splitBangCommand } from '../../scripts/install/command-text.js';

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
    fields[pair[1]!] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : /^'.*'$/.test(raw)
            ? raw.slice(1, -1).replaceAll("''", "'")
            : raw;
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
  /** Where it was written: a `!` line (its helper call, without the fallback), or a line of a fenced code block. */
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
      else if (isBangLine(line))
        found.push({ line: splitBangCommand(line.slice(2, line.lastIndexOf('`'))).call, kind: 'bang' });
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
        flags: words
          .slice(1)
          .filter((word) => word.startsWith('--'))
          .map((word) => word.slice(2).split('=')[0]!),
      };
    });
}
