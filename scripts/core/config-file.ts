import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RefusalError } from '../lib/errors.js';
import { CONFIG_PATH, DEFAULT_CONFIG, parseConfig, type Config } from './config.js';

export function loadConfig(mainCheckout: string): Config {
  const path = join(mainCheckout, CONFIG_PATH);
  if (!existsSync(path)) return { ...DEFAULT_CONFIG };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new RefusalError('config-invalid', `The project config ${path} is not valid JSON (${(error as Error).message}).`, `Fix ${CONFIG_PATH} or remove it to use the defaults.`, { config: path });
  }
  const parsed = parseConfig(data, mainCheckout);
  if ('problem' in parsed) {
    throw new RefusalError(
      'config-invalid',
      `The project config ${path} is invalid: ${parsed.problem}.`,
      `Fix that field in ${CONFIG_PATH} (its fields are described in schemas/config.schema.json and the README).`,
      { config: path, problem: parsed.problem },
    );
  }
  return parsed.config;
}
