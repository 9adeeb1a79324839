/** Schema validation errors as people read them: `/ports/base must be integer`. */

export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Every error, each as `<where> <what>`, joined by `; `; `fallback` when there is none to name. */
export function describeSchemaErrors(
  errors: readonly SchemaError[] | null | undefined,
  fallback: string,
  fieldsHint?: string,
): string {
  if (!errors || errors.length === 0) return fallback;
  const described = errors.map((error) => {
    const where = error.instancePath || '(top level)';
    if (error.keyword === 'additionalProperties') {
      return `${where} has an unknown field "${String(error.params.additionalProperty)}"${fieldsHint ? ` (${fieldsHint})` : ''}`;
    }
    if (error.keyword === 'enum')
      return `${where} must be one of ${((error.params.allowedValues as unknown[] | undefined) ?? []).map((value) => JSON.stringify(value)).join(', ')}`;
    return `${where} ${error.message ?? 'is invalid'}`;
  });
  return [...new Set(described)].join('; ');
}
