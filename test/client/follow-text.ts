/**
 * Follow the text, not a copy of it: the scripted model takes each helper call from the expanded command the
 * client sent, as a real model would, and fills in only the placeholders. When a command's text and the helper
 * drift apart (a renamed flag, a new placeholder, a line gone), the tests that follow it break.
 */

export interface HelperLine {
  /** The line as the text writes it, variables already substituted by the client. */
  line: string;
  /** The helper path the line runs. */
  helper: string;
  subcommand: string;
}

const HELPER_LINE = /^node "([^"]*\/session\.mjs)" (\S+)(?: .*)?$/;

/** The helper calls written in the text's fenced sh (or bash, shell) code blocks, in order. */
export function helperLines(text: string): HelperLine[] {
  const found: HelperLine[] = [];
  let fence: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (fence === null) {
      const open = /^```(\S*)$/.exec(line);
      if (open) fence = open[1]!;
      continue;
    }
    if (line === '```') {
      fence = null;
      continue;
    }
    if (!['sh', 'bash', 'shell'].includes(fence)) continue;
    const match = HELPER_LINE.exec(line);
    if (match) found.push({ line, helper: match[1]!, subcommand: match[2]! });
  }
  return found;
}

export interface Pick {
  subcommand: string;
  /** When the text offers several lines for the subcommand, the one that contains this (e.g. `--strategy merge`). */
  containing?: string;
  /** A value for every placeholder, by its name without the brackets: `{ name: 'x', 'goal 1': 'y' }`. `null` drops the placeholder and the flag before it. */
  values: Record<string, string | null>;
}

/** Exactly one helper line of the text, chosen by subcommand and the text it contains; anything else is an error. */
export function pickHelperLine(text: string, pick: Pick): HelperLine {
  const lines = helperLines(text);
  const candidates = lines.filter((line) => line.subcommand === pick.subcommand && (pick.containing === undefined || line.line.includes(pick.containing)));
  if (candidates.length !== 1) {
    throw new Error(`expected one \`${pick.subcommand}\` helper line${pick.containing ? ` containing "${pick.containing}"` : ''} in the command text, found ${candidates.length}. The text's helper lines:\n${lines.map((line) => `  ${line.line}`).join('\n') || '  (none)'}`);
  }
  return candidates[0]!;
}

const SAFE_WORD = /^[A-Za-z0-9_./:=@%+-]+$/;

function quote(value: string): string {
  if (/["$`\\]/.test(value)) throw new Error(`a placeholder value must not hold ", $, \` or \\: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

/** The placeholders a line has, by name without the brackets, in order. */
export function placeholdersOf(line: string): string[] {
  return [...line.matchAll(/<([^<>"]+)>/g)].map((match) => match[1]!);
}

/** Fills `<placeholder>` and `"<placeholder>"` words from `values`; a placeholder without a value is an error. */
export function fillPlaceholders(line: string, values: Record<string, string | null>): string {
  const words = line.match(/"[^"]*"|<[^<>"]*>|\S+/g) ?? [];
  const out: string[] = [];
  const used = new Set<string>();
  for (const word of words) {
    const placeholder = /^"?<([^<>"]+)>"?$/.exec(word);
    if (!placeholder) {
      if (/<[^<>]+>/.test(word)) throw new Error(`a placeholder inside a word is not understood: ${word} in ${line}`);
      out.push(word);
      continue;
    }
    const key = placeholder[1]!;
    if (!(key in values)) throw new Error(`the command text has the placeholder <${key}>, which the test gives no value: ${line}`);
    used.add(key);
    const value = values[key];
    if (value === null) {
      if (out.at(-1)?.startsWith('--')) out.pop();
      continue;
    }
    out.push(word.startsWith('"') || !SAFE_WORD.test(value!) ? quote(value!) : value!);
  }
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length > 0) throw new Error(`the test gives values for placeholders the line does not have (${unused.join(', ')}): ${line}`);
  const command = out.join(' ');
  if (command.includes('${')) throw new Error(`the client left a variable unsubstituted: ${command}`);
  return command;
}

/** The exact Bash command for one helper call the text asks for. */
export function commandFromText(text: string, pick: Pick): string {
  return fillPlaceholders(pickHelperLine(text, pick).line, pick.values);
}
