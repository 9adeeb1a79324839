/**
 * The command files' text: one source (the plugin form, which `claude --plugin-dir` reads as is) and the forms the
 * installer writes, plus the small parsers the tests use to check every helper call a command makes.
 */

/** How the source commands reach the helper: the plugin's own dist folder. */
export const SOURCE_RUNTIME_DIR = '${CLAUDE_PLUGIN_ROOT}/dist';

/** Where an install puts session.mjs and the hook files, relative to the project or to HOME. */
export const RUNTIME_SUBDIR = '.claude/commands/flight-rules';

export type Scope = 'project' | 'user';
export type Agent = 'claude' | 'cursor';
/** Which text a missing-helper note is for: the plugin (the source as it is), or an install's scope. */
export type Form = 'plugin' | Scope;

/**
 * Characters a home folder must not hold for a user install: the commands name the helper by its absolute path
 * inside double quotes, in single-quoted frontmatter and in `Bash(...)` rules, and the client would read any of
 * these as quoting, expansion, a wildcard or the end of a rule.
 */
const UNSAFE_HOME = /["'`$\\*()\n\r]/;

export function homeIsUsable(home: string): boolean {
  return home.startsWith('/') && !UNSAFE_HOME.test(home);
}

function requireHome(home: string | undefined): string {
  if (home === undefined || !homeIsUsable(home))
    throw new Error(
      `a user install needs an absolute home folder without quotes, $, \\, * or parentheses; got ${JSON.stringify(home)}`,
    );
  return home.replace(/\/+$/, '');
}

/**
 * The folder the installed commands name for the helper. Claude Code substitutes ${CLAUDE_PROJECT_DIR} in command
 * text and allowed-tools (the folder claude started in: the worktree's own copy inside a session worktree). It
 * expands no shell variable in a rule, so a user install names the absolute home folder the installer knows.
 * Cursor substitutes nothing, so its project form asks git for the worktree's top folder.
 */
export function runtimeDirFor(scope: Scope, agent: Agent, home?: string): string {
  if (scope === 'user') return `${requireHome(home)}/${RUNTIME_SUBDIR}`;
  return agent === 'claude'
    ? `\${CLAUDE_PROJECT_DIR}/${RUNTIME_SUBDIR}`
    : `$(git rev-parse --show-toplevel)/${RUNTIME_SUBDIR}`;
}

export function helperPrefix(runtimeDir: string): string {
  return `node "${runtimeDir}/session.mjs"`;
}

/** A `!` line runs before the prompt is sent; Cursor has no such thing, and the text already says what to do then. */
export function isBangLine(line: string): boolean {
  return line.startsWith('!`');
}

/**
 * The client aborts the whole command when a `!` line exits non-zero, so every `!` line is
 * `<helper call> 2>/dev/null || echo "<note>"`: the client checks each part on its own (the call against
 * allowed-tools; echo is read-only), and when the helper cannot run at all (its file is missing) the command still
 * loads, with one line saying what to run instead in place of node's stack trace. The helper's read-only
 * subcommands always exit 0 and print their problems on stdout, so nothing they say is lost.
 */
const BANG_FALLBACK = / 2>\/dev\/null \|\| echo "([^"`$\\]*)"$/;

export function bangCommand(call: string, note: string): string {
  if (/["`$\\]/.test(note)) throw new Error(`a missing-helper note must not hold ", \`, $ or \\: ${note}`);
  return `${call} 2>/dev/null || echo "${note}"`;
}

/** A `!` line's command split into the helper call and the note its fallback prints (null: it has no fallback). */
export function splitBangCommand(command: string): { call: string; note: string | null } {
  const match = BANG_FALLBACK.exec(command);
  return match ? { call: command.slice(0, match.index), note: match[1]! } : { call: command, note: null };
}

/** The one line a `!` line prints when the helper does not run, in each form. */
export function missingHelperNote(form: Form, home?: string): string {
  if (form === 'plugin') {
    return "Flight Rules: the plugin's helper (dist/session.mjs) is missing or did not run. Update or reinstall the plugin (claude plugin update flight-rules); for a plugin folder loaded directly, run npm ci and npm run build in it.";
  }
  if (form === 'user') {
    return `Flight Rules: the helper did not run: ${requireHome(home)}/${RUNTIME_SUBDIR}/session.mjs is missing. Install the pack for your user again: npx tsx install.ts --user, in a clone of the pack.`;
  }
  return `Flight Rules: the helper did not run: this checkout has no ${RUNTIME_SUBDIR}/session.mjs (its .claude/ is not committed here, or is ignored). Run the main checkout's copy instead, <main checkout>/${RUNTIME_SUBDIR}/session.mjs, where <main checkout> is the first path git worktree list prints; in the main checkout itself, install the pack again.`;
}

/**
 * The two sentences around a `!` line's code-block twin, as the source (and every Claude form) writes them, and
 * what Cursor, which has no `!` lines, reads instead. Each sits on a line of its own in the command files.
 */
export const BANG_INTRO = 'Above is what the helper printed. To see it again, run:';
export const BANG_MISSING =
  'If it printed that the helper did not run, do what that line says, for this and every helper command below.';
export const CURSOR_INTRO = 'Run the helper yourself and read what it prints before going on:';

export function cursorMissing(scope: Scope): string {
  return scope === 'user'
    ? 'If node says the helper file does not exist, install the pack for your user again (`npx tsx install.ts --user`, in a clone of the pack).'
    : `If node says the helper file does not exist, this checkout's \`.claude/\` is not committed (or is ignored): use the main checkout's copy, \`<main checkout>/${RUNTIME_SUBDIR}/session.mjs\` (the main checkout is the first path \`git worktree list\` prints), for this and every helper command below.`;
}

/**
 * Other agents have no conversation id to substitute and no `claude --resume`, so their copies
 * drop the flag that passes it and the words that explain it.
 */
const CLAUDE_CONVERSATION_FLAG = ' --claude-session "${CLAUDE_SESSION_ID}"';
const CLAUDE_CONVERSATION_CLAUSE = /;\s*`--claude-session` lets the new worktree continue this very\s*conversation:/;
function withoutClaudeConversation(line: string): string {
  return line.split(CLAUDE_CONVERSATION_FLAG).join('');
}

export function renderCommand(source: string, scope: Scope, agent: Agent, home?: string): string {
  const substituted = source.split(SOURCE_RUNTIME_DIR).join(runtimeDirFor(scope, agent, home));
  const text = agent === 'claude' ? substituted : substituted.replace(CLAUDE_CONVERSATION_CLAUSE, ':');
  const lines = text.split('\n');
  if (agent === 'claude') {
    const note = missingHelperNote(scope, home);
    return lines
      .map((line) => {
        if (!isBangLine(line)) return line;
        const { call } = splitBangCommand(line.slice(2, line.lastIndexOf('`')));
        return `!\`${bangCommand(call, note)}\``;
      })
      .join('\n');
  }
  const kept = lines
    .filter((line) => !isBangLine(line))
    .map(withoutClaudeConversation)
    .map((line) => (line === BANG_INTRO ? CURSOR_INTRO : line === BANG_MISSING ? cursorMissing(scope) : line));
  // Dropping a `!` line can leave two blank lines in a row.
  return kept.filter((line, index) => !(line === '' && kept[index - 1] === '')).join('\n');
}
