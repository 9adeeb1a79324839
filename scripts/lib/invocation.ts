/**
 * How an agent runs this helper, for the commands its messages tell it to run. There is no
 * `session` program on anyone's PATH: the helper is `node <its own file>`, so messages name
 * that file. The entry points set it once, at start; until then (the pure core under test) it
 * reads `session`.
 */
import { shellQuote } from './shell-words.js';

let prefix = 'session';

/** Called by the entry point with the absolute path of the helper's own bundle. */
export function setHelperPath(path: string): void {
  prefix = `node ${shellQuote(path)}`;
}

/** `node '<helper>' <args>`: args are written as they should read (placeholders such as <name> included). */
export function helper(args: string): string {
  return `${prefix} ${args}`;
}
