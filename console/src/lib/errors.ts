// The API reports each refused input as a UserError whose `field` is its path in the
// mutation's arguments: ["input", "company", "legalName"], ["input", "price"], ["endDate"].
// A form knows its fields by the path inside its input: "company.legalName", "price".

export interface ApiUserError {
  field?: readonly string[] | null;
  message: string;
  code: string;
}

export interface MappedErrors {
  /** Messages for fields the form has, by the form's field name. */
  fields: Record<string, string>;
  /** Everything else, to show above the form. */
  general: string[];
}

/** The form field an error path names: the argument name `input` is dropped, list indexes
 * stay ("billingEmails.1"). */
export function fieldPath(field: readonly string[] | null | undefined): string | null {
  if (!field || field.length === 0) return null;
  const parts = field[0] === 'input' ? field.slice(1) : field;
  return parts.length ? parts.join('.') : null;
}

/** Split the errors between the form's fields (`known`) and the rest. A path deeper than a
 * known field ("billingEmails.1" for "billingEmails") goes to that field. */
export function mapErrors(errors: readonly ApiUserError[], known: readonly string[]): MappedErrors {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const error of errors) {
    const path = fieldPath(error.field);
    const target = path === null ? null : closest(path, known);
    if (target === null) {
      general.push(path === null ? error.message : `${path}: ${error.message}`);
    } else {
      fields[target] = fields[target] ? `${fields[target]}; ${error.message}` : error.message;
    }
  }
  return { fields, general };
}

function closest(path: string, known: readonly string[]): string | null {
  const parts = path.split('.');
  for (let length = parts.length; length > 0; length -= 1) {
    const candidate = parts.slice(0, length).join('.');
    if (known.includes(candidate)) return candidate;
  }
  return null;
}
