import type { ParseArgsConfig } from 'node:util';

export interface Context {
  cwd: string;
  now: Date;
  env: NodeJS.ProcessEnv;
  /** Progress lines go here (a long setup), never to stdout, which holds the one result. */
  stderr: { write(text: string): unknown };
  /** Only for a subcommand that keeps printing until it is stopped (`status --watch`); the result still goes through the CLI. */
  stdout: { write(text: string): unknown; isTTY?: boolean };
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Invocation {
  values: OptionValues;
  positionals: string[];
  /** --json was given: the result is one JSON document. */
  json?: boolean;
}

/** What a subcommand hands back: one JSON document and the same facts as short text. */
export interface Outcome {
  json: Record<string, unknown>;
  text: string;
}

export interface Subcommand {
  name: string;
  summary: string;
  /** One line, after `session `. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals: { min: number; max: number };
  run(invocation: Invocation, context: Context): Promise<Outcome>;
}

/** A subcommand without its code: enough to parse its arguments and describe it. */
export type SubcommandSpec = Omit<Subcommand, 'run'>;

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
