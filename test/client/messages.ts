/**
 * The Messages API as the client speaks it, reduced to what the tests read and write, and the helpers that find
 * things in a request: the latest user text, the expanded slash command, tool results and hook contexts.
 */

export interface TextBlock {
  type: 'text';
  text: string;
}
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Block[];
  is_error?: boolean;
}
export type Block = TextBlock | ToolUseBlock | ToolResultBlock | { type: string; [key: string]: unknown };

export interface Message {
  role: string;
  content: string | Block[];
}

export interface ModelRequest {
  model: string;
  messages: Message[];
  system?: string | Block[];
  tools?: Array<{ name: string; description?: string; input_schema?: unknown }>;
  [key: string]: unknown;
}

/** What a script answers with: text and tool calls, in order. An id is made up for each tool call. */
export type TurnBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: Record<string, unknown> };

export const say = (text: string): TurnBlock => ({ type: 'text', text });
export const bash = (command: string, description = 'Run a command'): TurnBlock => ({
  type: 'tool_use',
  name: 'Bash',
  input: { command, description },
});
export const edit = (file_path: string, old_string: string, new_string: string): TurnBlock => ({
  type: 'tool_use',
  name: 'Edit',
  input: { file_path, old_string, new_string },
});
export const write = (file_path: string, content: string): TurnBlock => ({
  type: 'tool_use',
  name: 'Write',
  input: { file_path, content },
});
/** The agent asks the user one question with the AskUserQuestion tool, the options given as labels. */
export const askUser = (question: string, options: string[], header = 'Question'): TurnBlock => ({
  type: 'tool_use',
  name: 'AskUserQuestion',
  input: {
    questions: [
      { question, header, options: options.map((label) => ({ label, description: label })), multiSelect: false },
    ],
  },
});

export function blocks(message: Message): Block[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

function blockText(block: Block): string {
  if (block.type === 'text') return (block as TextBlock).text;
  if (block.type === 'tool_result') {
    const content = (block as ToolResultBlock).content;
    return typeof content === 'string' ? content : (content ?? []).map(blockText).join('\n');
  }
  return '';
}

/** Every text the request holds in its messages (user, assistant and mid-conversation system turns), tool results included. */
export function allText(request: ModelRequest): string {
  return request.messages.flatMap(blocks).map(blockText).join('\n');
}

/** The text blocks of the last user message that is not only tool results. */
export function latestUserText(request: ModelRequest): string {
  for (const message of [...request.messages].reverse()) {
    if (message.role !== 'user') continue;
    const texts = blocks(message)
      .filter((block) => block.type === 'text')
      .map(blockText);
    if (texts.length > 0) return texts.join('\n');
  }
  return '';
}

/**
 * The expanded text of slash command `name` as the client sent it: the text block that follows the
 * `<command-name>/name</command-name>` block, with the `!` output inlined and the variables substituted.
 */
export function commandText(request: ModelRequest, name: string): string {
  for (const message of request.messages) {
    if (message.role !== 'user') continue;
    const list = blocks(message);
    const index = list.findIndex(
      (block) => block.type === 'text' && blockText(block).includes(`<command-name>${name}</command-name>`),
    );
    if (index >= 0) {
      const next = list[index + 1];
      if (next?.type === 'text') return blockText(next);
    }
  }
  throw new Error(
    `the request holds no expanded ${name} command; its user texts:\n${request.messages
      .filter((m) => m.role === 'user')
      .flatMap(blocks)
      .map(blockText)
      .join('\n---\n')
      .slice(0, 4000)}`,
  );
}

export interface ToolExchange {
  name: string;
  input: Record<string, unknown>;
  /** The result's text, as the model reads it. */
  output: string;
  isError: boolean;
}

/** Every tool call in the conversation so far, paired with its result. */
export function toolExchanges(request: ModelRequest): ToolExchange[] {
  const calls = new Map<string, ToolUseBlock>();
  const found: ToolExchange[] = [];
  for (const message of request.messages) {
    for (const block of blocks(message)) {
      if (block.type === 'tool_use') calls.set((block as ToolUseBlock).id, block as ToolUseBlock);
      if (block.type === 'tool_result') {
        const result = block as ToolResultBlock;
        const call = calls.get(result.tool_use_id);
        found.push({
          name: call?.name ?? '?',
          input: call?.input ?? {},
          output: blockText(result),
          isError: result.is_error === true,
        });
      }
    }
  }
  return found;
}

/** The result of the latest turn's last tool call, or null when the conversation's last user message holds none. */
export function lastToolResult(request: ModelRequest): ToolExchange | null {
  // Mid-conversation system turns (hook contexts, reminders) may follow the tool results.
  const last = [...request.messages].reverse().find((message) => message.role !== 'system');
  if (!last || !blocks(last).some((block) => block.type === 'tool_result')) return null;
  return toolExchanges(request).at(-1) ?? null;
}

/**
 * Hook contexts the client passed on, by their label (`SessionStart`, `PreToolUse:Edit`, ...). The client puts
 * `<label> hook additional context: <text>` in a mid-conversation system turn: a PreToolUse context as a block of
 * its own after the tool result, the SessionStart context at the head of the block that goes on with the client's
 * `# Environment` section. So a context ends at the end of its block, at a blank line before a `# ` heading, or
 * at a closing `</system-reminder>`.
 */
export function hookContexts(request: ModelRequest, label: string): string[] {
  const marker = `${label} hook additional context: `;
  const found: string[] = [];
  for (const text of request.messages.flatMap(blocks).map(blockText)) {
    let at = text.indexOf(marker);
    while (at >= 0) {
      const start = at + marker.length;
      const ends = ['\n\n# ', '</system-reminder>', `\n${marker}`]
        .map((end) => text.indexOf(end, start))
        .filter((end) => end >= 0);
      const end = ends.length > 0 ? Math.min(...ends) : text.length;
      found.push(text.slice(start, end).trim());
      at = text.indexOf(marker, start);
    }
  }
  return found;
}

/** The client's `Primary working directory: …` lines, in order (a resumed conversation adds `… (was <old>)`). */
export function workingDirectories(request: ModelRequest): string[] {
  return [...allText(request).matchAll(/Primary working directory: (.*)/g)].map((match) => match[1]!.trim());
}

/**
 * What the user answered to `question`, as the model reads it in the AskUserQuestion tool's result: the client
 * writes each answer as `"<question>"="<answer>"`, the pairs joined by `, ` and ended by `. ` (or the result's end).
 */
export function answerTo(exchange: ToolExchange, question: string): string {
  if (exchange.name !== 'AskUserQuestion')
    throw new Error(`expected the AskUserQuestion result, got ${exchange.name}: ${exchange.output}`);
  const key = `"${question}"="`;
  const start = exchange.output.indexOf(key);
  if (start < 0 || exchange.isError)
    throw new Error(`the AskUserQuestion result holds no answer to "${question}": ${exchange.output}`);
  const rest = exchange.output.slice(start + key.length);
  const end = /"(?:, "|\.(?:\s|$)|$)/.exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}
