/** Validates helper --json output against the schemas in schemas/, compiled fresh with ajv. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { ROOT } from './gitdir.js';

const ajv = new Ajv({ allErrors: true, strict: false });
for (const folder of ['schemas', 'schemas/output']) {
  for (const file of readdirSync(join(ROOT, folder))) {
    if (file.endsWith('.schema.json')) ajv.addSchema(JSON.parse(readFileSync(join(ROOT, folder, file), 'utf8')));
  }
}

/** Returns the errors as text, or '' when `data` matches the named schema. */
export function schemaErrors(name: string, data: unknown): string {
  const validate = ajv.getSchema(`https://flight-rules.dev/schemas/${name}.schema.json`);
  if (!validate) throw new Error(`no schema ${name}`);
  return validate(data) ? '' : ajv.errorsText(validate.errors);
}

/** The output schema for a --json result: the subcommand's own when ok, the error schema when not. */
export function outputSchemaErrors(json: any): string {
  return schemaErrors(json.ok ? `output/${json.command}` : 'output/error', json);
}
