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

/** A placeholder's value: a word, a list of words (one each), or null to drop it and the flag before it. */
export type Value = string | string[] | null;

export interface Pick {
  subcommand: string;
  /** When the text offers several lines for the subcommand, the one that contains this (e.g. `--strategy merge`). */
  containing?: string;
  /** A value for every placeholder, by its name without the brackets: `{ name: 'x', 'goal 1': 'y' }`. `null` drops the placeholder and the flag before it. */
  values: Record<string, Value>;
}

/** Exactly one helper line of the text, chosen by subcommand and the text it contains; anything else is an error. */
export function pickHelperLine(text: string, pick: Pick): HelperLine {
  const lines = helperLines(text);
  const candidates = lines.filter(
    (line) =>
      line.subcommand === pick.subcommand && (pick.containing === undefined || line.line.includes(pick.containing)),
  );
  if (candidates.length !== 1) {
    throw new Error(
      `expected one \`${pick.subcommand}\` helper line${pick.containing ? ` containing "${pick.containing}"` : ''} in the command text, found ${candidates.length}. The text's helper lines:\n${lines.map((line) => `  ${line.line}`).join('\n') || '  (none)'}`,
    );
  }
  return candidates[0]!;
}

const SAFE_WORD = /^[A-Za-z0-9_./:=@%+-]+$/;

function quote(value: string): string {
  if (/["$`\\]/.test(value))
    throw new Error(`a placeholder value must not hold ", $, \` or \\: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

/** The placeholders a line has, by name without the brackets, in order. */
export function placeholdersOf(line: string): string[] {
  return [...line.matchAll(/<([^<>"]+)>/g)].map((match) => match[1]!);
}

/** Fills `<placeholder>` and `"<placeholder>"` words from `values`; a placeholder without a value is an error. */
export function fillPlaceholders(line: string, values: Record<string, Value>): string {
  // A word runs to the next space outside quotes and placeholders: `"<goal 1>"`, `<name>`, `<base branch>..HEAD`.
  const words = line.match(/(?:"[^"]*"|<[^<>"]*>|[^\s"<]+|["<])+/g) ?? [];
  const out: string[] = [];
  const used = new Set<string>();
  for (const word of words) {
    const placeholder = /^"?<([^<>"]+)>"?$/.exec(word);
    if (!placeholder) {
      // A placeholder inside a word (`<base>...HEAD`) is filled only with a plain word, which needs no quoting.
      out.push(
        word.replace(/<([^<>"]+)>/g, (_match, key: string) => {
          const value = values[key];
          if (typeof value !== 'string' || !SAFE_WORD.test(value))
            throw new Error(`a placeholder inside a word is not understood: ${word} in ${line}`);
          used.add(key);
          return value;
        }),
      );
      continue;
    }
    const key = placeholder[1]!;
    if (!(key in values))
      throw new Error(`the command text has the placeholder <${key}>, which the test gives no value: ${line}`);
    used.add(key);
    const value = values[key];
    if (value === null) {
      if (out.at(-1)?.startsWith('--')) out.pop();
      continue;
    }
    // A list fills one word per item (`git add <paths>`).
    for (const item of Array.isArray(value) ? value : [value!])
      out.push(word.startsWith('"') || !SAFE_WORD.test(item) ? quote(item) : item);
  }
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length > 0)
    throw new Error(`the test gives values for placeholders the line does not have (${unused.join(', ')}): ${line}`);
  const command = out.join(' ');
  if (command.includes('${')) throw new Error(`the client left a variable unsubstituted: ${command}`);
  return command;
}

/** The exact Bash command for one helper call the text asks for. */
export function commandFromText(text: string, pick: Pick): string {
  return fillPlaceholders(pickHelperLine(text, pick).line, pick.values);
}

/** The lines of the text's fenced sh (or bash, shell) code blocks, trimmed, in order. */
export function shellLines(text: string): string[] {
  return fencedBlocks(text, ['sh', 'bash', 'shell']).flatMap((block) =>
    block
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
}

/** The bodies of the text's fenced code blocks in one of `languages`, in order. */
export function fencedBlocks(text: string, languages: string[]): string[] {
  const found: string[] = [];
  let fence: string | null = null;
  let body: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (fence === null) {
      const open = /^```(\S*)$/.exec(line);
      if (open) {
        fence = open[1]!;
        body = [];
      }
      continue;
    }
    if (line === '```') {
      if (languages.includes(fence)) found.push(body.join('\n'));
      fence = null;
      continue;
    }
    // The body as written, less the indentation of a block inside a list item.
    body.push(raw.replace(/^ {0,6}/, ''));
  }
  return found;
}

/** The text's inline code spans (`` `git add <file>` ``), outside fenced blocks, in order. */
export function codeSpans(text: string): string[] {
  const outside = text.replace(/^\s*```[\s\S]*?^\s*```\s*$/gm, '');
  return [...outside.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
}

export interface LinePick {
  /** How the command starts, e.g. `git add`. */
  startsWith: string;
  /** When several lines start so, the one that contains this. */
  containing?: string;
  /** Also look in the prose's inline code spans, not only in the fenced sh blocks. */
  inline?: boolean;
  values: Record<string, Value>;
}

/**
 * The exact Bash command for one non-helper line the text gives (a git step of the ritual), chosen as the helper
 * lines are: exactly one line may match, and every placeholder must be filled.
 */
export function lineFromText(text: string, pick: LinePick): string {
  const lines = [...new Set([...shellLines(text), ...(pick.inline ? codeSpans(text) : [])])];
  const candidates = lines.filter(
    (line) =>
      (line === pick.startsWith || line.startsWith(`${pick.startsWith} `)) &&
      (pick.containing === undefined || line.includes(pick.containing)),
  );
  if (candidates.length !== 1) {
    throw new Error(
      `expected one line starting "${pick.startsWith}"${pick.containing ? ` containing "${pick.containing}"` : ''} in the command text, found ${candidates.length}: ${JSON.stringify(candidates)}`,
    );
  }
  return fillPlaceholders(candidates[0]!, pick.values);
}

/**
 * A template from the text (a fenced Markdown block) with every `<placeholder>` filled as a model fills it; a
 * placeholder without a value, or a value the template does not ask for, is an error.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const filled = template.replace(/<([^<>\n]+)>/g, (_match, key: string) => {
    if (!(key in values))
      throw new Error(`the template has the placeholder <${key}>, which the test gives no value:\n${template}`);
    used.add(key);
    return values[key]!;
  });
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length > 0)
    throw new Error(
      `the test gives values for placeholders the template does not have (${unused.join(', ')}):\n${template}`,
    );
  return filled;
}

/**
 * The row of a Markdown table in the text whose first cell is (or lists) `` `code` ``: the rest of its cells, as one string.
 * The command texts give their refusal codes so (`| \`main-dirty\` | what to tell the user, and what to offer |`).
 */
export function tableRow(text: string, code: string): string {
  const rows = text.split('\n').filter(
    (line) =>
      line.trim().startsWith('|') &&
      (line.split('|')[1] ?? '')
        .split(',')
        .map((cell) => cell.trim())
        .includes(`\`${code}\``),
  );
  if (rows.length !== 1)
    throw new Error(`expected one table row for \`${code}\` in the command text, found ${rows.length}`);
  return rows[0]!
    .trim()
    .replace(/^\|[^|]*\|/, '')
    .replace(/\|$/, '')
    .trim();
}

export interface TextOption {
  /** The option as the user sees it: its words from the text, the first letter capitalised (`apply it` → `Apply it`). */
  label: string;
  /** What the text says after the option, up to the next one: what to do when the user picks it. */
  body: string;
}

export interface TextQuestion {
  /** The question as the text words it, placeholders left in. */
  question: string;
  /** Its options as the text gives them; empty when the text leaves them to the model. */
  options: TextOption[];
}

const capitalise = (words: string) => words.charAt(0).toUpperCase() + words.slice(1);

/**
 * The text's paragraphs, list items, table rows and blockquotes, each as one string with its line breaks made
 * spaces (fenced code left out): the places a question and its options are written.
 */
function textBlocks(text: string): { kind: 'prose' | 'quote'; lines: string[] }[] {
  const blocks: { kind: 'prose' | 'quote'; lines: string[] }[] = [];
  let current: { kind: 'prose' | 'quote'; lines: string[] } | null = null;
  let fenced = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (/^```/.test(line)) {
      fenced = !fenced;
      current = null;
      continue;
    }
    if (fenced) continue;
    if (line.startsWith('>')) {
      if (current?.kind !== 'quote') blocks.push((current = { kind: 'quote', lines: [] }));
      current.lines.push(line.replace(/^>\s?/, ''));
      continue;
    }
    if (line === '') {
      current = null;
      continue;
    }
    // A table row, a list item or a heading starts a block of its own.
    if (current === null || current.kind === 'quote' || /^(\||[-*] |\d+\. |#)/.test(line))
      blocks.push((current = { kind: 'prose', lines: [] }));
    current.lines.push(line);
  }
  return blocks;
}

/** The `**bold**` options in `text`, each with what follows it up to the next one. */
function boldOptions(text: string): TextOption[] {
  const spans = [...text.matchAll(/\*\*([^*]+)\*\*/g)];
  return spans.map((span, index) => ({
    label: capitalise(span[1]!.trim()),
    body: text.slice(span.index! + span[0].length, spans[index + 1]?.index ?? text.length).trim(),
  }));
}

/** A blockquote whose first line is a question: that line, and one option per `- **Option** …` item (its continuation lines joined). */
function quoteQuestion(lines: string[]): TextQuestion | null {
  const [first, ...rest] = lines;
  if (!first?.trim().endsWith('?')) return null;
  const items: string[] = [];
  for (const line of rest) {
    if (line.startsWith('- ')) items.push(line.slice(2));
    else if (line !== '' && items.length > 0) items[items.length - 1] += ` ${line}`;
  }
  const options = items.flatMap((item) => {
    const match = /^\*\*([^*]+)\*\*(.*)$/.exec(item);
    return match ? [{ label: capitalise(match[1]!.trim()), body: match[2]!.trim() }] : [];
  });
  return { question: first, options };
}

/**
 * The one question in the text that starts with `startsWith`, and its options, in either of the ways the command
 * texts write them:
 * - inline, quoted: `Ask "<question>" (options: <one>, or <other>)`, or `… "<question>", with the options **one**
 *   (what to do), **two** (…), or **three** (…)` to the end of its paragraph, list item or table row;
 * - a blockquote whose first line is the question and whose `- **Option** …` items are the options.
 * A question the text gives no options for has none; anything but exactly one such question is an error.
 */
export function questionFromText(text: string, startsWith: string): TextQuestion {
  const found = textQuestions(text).filter((question) => question.question.startsWith(startsWith));
  if (found.length !== 1)
    throw new Error(
      `expected one question starting "${startsWith}" in the command text, found ${found.length}: ${JSON.stringify(found.map((each) => each.question))}`,
    );
  return found[0]!;
}

/** Every question the text gives options for, in either way above, with its options: what the agent asks as written. */
export function textQuestions(text: string): TextQuestion[] {
  const found: TextQuestion[] = [];
  for (const block of textBlocks(text)) {
    if (block.kind === 'quote') {
      const question = quoteQuestion(block.lines);
      if (question) found.push(question);
      continue;
    }
    const prose = block.lines.join(' ');
    for (const match of prose.matchAll(/"([^"]*)"/g)) {
      const after = prose.slice(match.index! + match[0].length);
      const listed = /^\s*\(options: ([^)]*)\)/.exec(after);
      const bold = /^,? with the options (.*)$/.exec(after);
      const options = listed
        ? listed[1]!
            .split(/,\s*(?:or\s+)?|\s+or\s+/)
            .map((words) => words.trim())
            .filter(Boolean)
            .map((words) => ({ label: capitalise(words.replace(/\*\*/g, '')), body: '' }))
        : bold
          ? boldOptions(bold[1]!.replace(/\s*\|\s*$/, ''))
          : [];
      found.push({ question: match[1]!, options });
    }
  }
  return found;
}

/** The option of `question` the user picked, by its label; an answer that is none of them is an error. */
export function pickedOption(question: TextQuestion, answer: string): TextOption {
  const option = question.options.find((each) => each.label === answer);
  if (!option)
    throw new Error(
      `the answer "${answer}" is none of the options of "${question.question}": ${JSON.stringify(question.options.map((each) => each.label))}`,
    );
  return option;
}
