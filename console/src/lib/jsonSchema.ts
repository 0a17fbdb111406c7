// A payment provider's settings come with their JSON Schema (pydantic's): objects, strings
// (secrets are `format: password`), numbers, booleans, enums, arrays of those, `$ref`s into
// `$defs`, and optional fields as `anyOf: [X, {type: null}]`. `describe` turns it into fields
// a form renders; `formValue` and `settingsValue` convert between stored settings and the
// form's values (strings in inputs, '' for an empty optional field).

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  writeOnly?: boolean;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
}

interface Common {
  name: string;
  label: string;
  description?: string;
  required: boolean;
}

export type Field =
  | (Common & { kind: 'string'; secret: boolean })
  | (Common & { kind: 'number'; integer: boolean })
  | (Common & { kind: 'boolean' })
  | (Common & { kind: 'enum'; options: string[] })
  | (Common & { kind: 'object'; fields: Field[] })
  | (Common & { kind: 'array'; item: Field; minItems: number });

export type FormValue = string | boolean | FormValue[] | { [name: string]: FormValue };

function lookup(ref: string, root: JsonSchema): JsonSchema {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const found = match ? root[match[1] as '$defs' | 'definitions']?.[match[2]] : undefined;
  if (!found) throw new Error(`unsupported reference ${ref}`);
  return found;
}

/** The schema itself: references followed, `allOf: [X]` unwrapped, and `null` dropped from
 * an `anyOf`/`oneOf` (the field is then simply optional). */
export function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref) return resolve({ ...lookup(schema.$ref, root), ...without(schema, '$ref') }, root);
  if (schema.allOf?.length === 1) {
    return resolve({ ...schema.allOf[0], ...without(schema, 'allOf') }, root);
  }
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) {
    const real = choices.filter((choice) => choice.type !== 'null');
    if (real.length === 1) {
      const rest = without(without(schema, 'anyOf'), 'oneOf');
      return resolve({ ...real[0], ...rest }, root);
    }
  }
  if (Array.isArray(schema.type)) {
    const real = schema.type.filter((type) => type !== 'null');
    if (real.length === 1) return { ...schema, type: real[0] };
  }
  return schema;
}

function without(schema: JsonSchema, key: keyof JsonSchema): JsonSchema {
  const copy = { ...schema };
  delete copy[key];
  return copy;
}

/** "account_holder" -> "Account holder". */
export function humanize(name: string): string {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

export function describe(
  schema: JsonSchema,
  root: JsonSchema = schema,
  name = '',
  required = true,
): Field {
  const resolved = resolve(schema, root);
  const common: Common = {
    name,
    label: humanize(name),
    description: resolved.description,
    required,
  };
  if (resolved.enum) {
    return { ...common, kind: 'enum', options: resolved.enum.map(String) };
  }
  switch (resolved.type) {
    case 'object': {
      const needed = new Set(resolved.required ?? []);
      const fields = Object.entries(resolved.properties ?? {}).map(([key, property]) =>
        describe(property, root, key, needed.has(key)),
      );
      return { ...common, kind: 'object', fields };
    }
    case 'array':
      return {
        ...common,
        kind: 'array',
        item: describe(resolved.items ?? { type: 'string' }, root, '', true),
        minItems: resolved.minItems ?? 0,
      };
    case 'boolean':
      return { ...common, kind: 'boolean' };
    case 'number':
    case 'integer':
      return { ...common, kind: 'number', integer: resolved.type === 'integer' };
    case 'string':
    case undefined:
      return {
        ...common,
        kind: 'string',
        secret: resolved.format === 'password' || resolved.writeOnly === true,
      };
    default:
      throw new Error(`unsupported JSON Schema type ${String(resolved.type)}`);
  }
}

/** An empty value of the field, as a new array item or a form without stored settings. */
export function emptyValue(field: Field): FormValue {
  switch (field.kind) {
    case 'object':
      return Object.fromEntries(field.fields.map((child) => [child.name, emptyValue(child)]));
    case 'array':
      return Array.from({ length: field.minItems }, () => emptyValue(field.item));
    case 'boolean':
      return false;
    default:
      return '';
  }
}

/** Stored settings (secrets already masked by the API) as the form's values. */
export function formValue(field: Field, stored: unknown): FormValue {
  switch (field.kind) {
    case 'object': {
      const record = isRecord(stored) ? stored : {};
      return Object.fromEntries(
        field.fields.map((child) => [child.name, formValue(child, record[child.name])]),
      );
    }
    case 'array':
      return Array.isArray(stored)
        ? stored.map((item) => formValue(field.item, item))
        : emptyValue(field);
    case 'boolean':
      return stored === true;
    default:
      return stored === null || stored === undefined ? '' : String(stored);
  }
}

/** The form's values as settings for the API: numbers as numbers, an empty optional field
 * left out. A malformed number is sent as typed, for the API to name its field. */
export function settingsValue(field: Field, value: FormValue): unknown {
  switch (field.kind) {
    case 'object': {
      const record = isRecord(value) ? value : {};
      const entries = field.fields
        .map((child) => [child.name, settingsValue(child, record[child.name] ?? emptyValue(child))])
        .filter(([, child]) => child !== undefined);
      return Object.fromEntries(entries);
    }
    case 'array':
      return (Array.isArray(value) ? value : []).map((item) => settingsValue(field.item, item));
    case 'boolean':
      return value === true;
    case 'number': {
      const text = String(value).trim();
      if (text === '') return field.required ? null : undefined;
      const number = Number(text);
      return Number.isFinite(number) ? number : text;
    }
    default: {
      const text = String(value);
      if (text.trim() === '' && !field.required) return undefined;
      return text;
    }
  }
}

export function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function isRecord(value: unknown): value is Record<string, FormValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
