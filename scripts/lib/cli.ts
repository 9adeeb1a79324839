/**
 * Argument parsing, dispatch, and the one place where errors become exit codes:
 * 0 done, 1 refused (or git failed), 2 usage.
 */
import { parseArgs } from 'node:util';
import { describeError, EXIT, UsageError } from './errors.js';
import { now } from './clock.js';
import { MARK } from './output.js';
import { withProcessScope } from './shell.js';
import { startTrace, traceSummary } from './trace.js';
import type { Context, Invocation, Subcommand } from './subcommand.js';

export interface Io {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

const PROGRAM = 'session';

function overview(subcommands: Subcommand[]): string {
  const width = Math.max(...subcommands.map((s) => s.name.length));
  return [
    `usage: ${PROGRAM} <subcommand> [options] [--json]`,
    '',
    ...subcommands.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    '',
    `Run \`${PROGRAM} <subcommand> --help\` for its options.`,
  ].join('\n');
}

function parse(subcommand: Subcommand, args: string[]): Invocation & { json: boolean; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...subcommand.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!, `usage: ${PROGRAM} ${subcommand.usage}`);
  }
  const { json, help, ...values } = parsed.values as Record<string, unknown>;
  const positionals = parsed.positionals;
  if (!help && (positionals.length < subcommand.positionals.min || positionals.length > subcommand.positionals.max)) {
    const expected =
      subcommand.positionals.min === subcommand.positionals.max
        ? `${subcommand.positionals.min}`
        : `${subcommand.positionals.min}-${subcommand.positionals.max}`;
    throw new UsageError(
      `expected ${expected} argument(s), got ${positionals.length}`,
      `usage: ${PROGRAM} ${subcommand.usage}`,
    );
  }
  return { values: values as Invocation['values'], positionals, json: json === true, help: help === true };
}

export async function main(subcommands: Subcommand[], io: Io): Promise<number> {
  const trace = io.env.FLIGHT_RULES_TRACE ? startTrace((line) => io.stderr.write(`${line}\n`)) : undefined;
  try {
    return await dispatch(subcommands, io, trace);
  } finally {
    if (trace) trace.write(traceSummary(trace));
  }
}

async function dispatch(
  subcommands: Subcommand[],
  io: Io,
  trace: ReturnType<typeof startTrace> | undefined,
): Promise<number> {
  const [name, ...rest] = io.argv;
  const wantsJson = rest.includes('--json');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${overview(subcommands)}\n`);
    return name ? EXIT.done : EXIT.usage;
  }
  const subcommand = subcommands.find((s) => s.name === name);
  try {
    if (!subcommand) throw new UsageError(`unknown subcommand "${name}"`, overview(subcommands));
    const invocation = parse(subcommand, rest);
    if (invocation.help) {
      io.stdout.write(`usage: ${PROGRAM} ${subcommand.usage}\n${subcommand.summary}\n`);
      return EXIT.done;
    }
    const context: Context = { cwd: io.cwd, now: now(io.env), env: io.env, stderr: io.stderr, stdout: io.stdout };
    const outcome = await withProcessScope({ env: io.env, stderr: io.stderr, ...(trace ? { trace } : {}) }, () =>
      subcommand.run(invocation, context),
    );
    io.stdout.write(
      invocation.json ? `${JSON.stringify({ ok: true, command: name, ...outcome.json })}\n` : `${outcome.text}\n`,
    );
    return EXIT.done;
  } catch (error) {
    const doc = describeError(error, name);
    if (wantsJson) {
      const { exit, ...body } = doc;
      io.stdout.write(`${JSON.stringify({ ok: false, command: name, error: body })}\n`);
    } else {
      const label = doc.kind === 'usage' ? 'usage error' : doc.kind === 'refused' ? 'refused' : 'error';
      io.stderr.write(`${MARK.fail} ${label}: ${doc.message}\nNext: ${doc.next}\n`);
    }
    return doc.exit;
  }
}
