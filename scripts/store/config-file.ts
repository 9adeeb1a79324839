import { join } from 'node:path';
import { RefusalError } from '../lib/errors.js';
import { readBoundedText, UnsafeFileError } from '../lib/safe-fs.js';
import { CONFIG_FIELDS, CONFIG_PATH, DEFAULT_CONFIG, parseConfig, type Config } from '../core/config.js';

/** A config is a few hundred bytes; the cap keeps a committed symlink to /dev/zero from being read. */
export const MAX_CONFIG_BYTES = 256 * 1024;

export function loadConfig(mainCheckout: string): Config {
  const path = join(mainCheckout, CONFIG_PATH);
  let text: string | null;
  try {
    text = readBoundedText(path, MAX_CONFIG_BYTES);
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    throw new RefusalError(
      'config-invalid',
      `The project config ${path} cannot be read safely: ${error.message.slice(path.length + 1)}.`,
      `Make ${CONFIG_PATH} a regular file of plain JSON, or remove it to use the defaults.`,
      { config: path, problem: error.reason },
    );
  }
  if (text === null) return { ...DEFAULT_CONFIG };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RefusalError(
      'config-invalid',
      `The project config ${path} is not valid JSON (${(error as Error).message}).`,
      `Fix ${CONFIG_PATH} or remove it to use the defaults.`,
      { config: path },
    );
  }
  const parsed = parseConfig(data, mainCheckout);
  if ('problem' in parsed) {
    throw new RefusalError(
      'config-invalid',
      `The project config ${path} is invalid: ${parsed.problem}.`,
      `Fix ${parsed.problem.includes(';') ? 'those fields' : 'that field'} in ${CONFIG_PATH}; the fields it may hold are ${CONFIG_FIELDS.join(', ')}, each optional.`,
      { config: path, problem: parsed.problem },
    );
  }
  return parsed.config;
}
