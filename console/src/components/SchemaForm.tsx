// A settings form generated from a JSON Schema (lib/jsonSchema): text, secret, number,
// boolean and enum inputs, nested objects as fieldsets, arrays with add and remove.
import { ActionIcon, Button, Checkbox, Fieldset, Group, NumberInput, PasswordInput, Select, Stack, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';

import { emptyValue, join } from '../lib/jsonSchema';
import type { Field, FormValue } from '../lib/jsonSchema';


function valueAt(root: FormValue, path: string): FormValue | undefined {
  let value: FormValue | undefined = root;
  for (const part of path.split('.')) {
    if (value === undefined || typeof value !== 'object') return undefined;
    value = (value as Record<string, FormValue>)[part];
  }
  return value;
}

/** "Accounts" -> "Account": one item of a list. */
const singular = (label: string) => label.replace(/s$/, '');

export function SchemaFields<Values extends { settings: FormValue }>({
  field,
  path,
  form,
}: {
  field: Field;
  path: string;
  form: UseFormReturnType<Values>;
}) {
  const label = field.label;
  const common = {
    label,
    description: field.description,
    withAsterisk: field.required,
  };
  const key = form.key(path);
  switch (field.kind) {
    case 'object':
      return (
        <Fieldset legend={path === 'settings' ? undefined : label} variant={path === 'settings' ? 'unstyled' : 'default'}>
          <Stack gap="sm">
            {field.fields.map((child) => (
              <SchemaFields key={child.name} field={child} path={join(path, child.name)} form={form} />
            ))}
          </Stack>
        </Fieldset>
      );
    case 'array': {
      const items = (valueAt(form.getValues() as unknown as FormValue, path) as FormValue[] | undefined) ?? [];
      return (
        <Fieldset legend={label}>
          <Stack gap="sm">
            {form.errors[path] && (
              <div role="alert" style={{ color: 'var(--mantine-color-error)', fontSize: 14 }}>
                {form.errors[path]}
              </div>
            )}
            {items.map((_, index) => (
              <Group key={index} align="flex-start" wrap="nowrap">
                <div style={{ flex: 1 }}>
                  <SchemaFields
                    field={{ ...field.item, label: `${singular(label)} ${index + 1}` }}
                    path={join(path, String(index))}
                    form={form}
                  />
                </div>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove ${label.toLowerCase()} ${index + 1}`}
                  disabled={items.length <= field.minItems}
                  onClick={() => form.removeListItem(path, index)}
                >
                  ✕
                </ActionIcon>
              </Group>
            ))}
            <Group>
              <Button variant="light" size="xs" onClick={() => form.insertListItem(path, emptyValue(field.item))}>
                Add {singular(label).toLowerCase()}
              </Button>
            </Group>
          </Stack>
        </Fieldset>
      );
    }
    case 'boolean':
      return <Checkbox key={key} {...common} {...form.getInputProps(path, { type: 'checkbox' })} />;
    case 'enum':
      return <Select key={key} {...common} data={field.options} allowDeselect={!field.required} {...form.getInputProps(path)} />;
    case 'number':
      return <NumberInput key={key} {...common} allowDecimal={!field.integer} {...form.getInputProps(path)} />;
    case 'string':
      return field.secret ? (
        <PasswordInput key={key} {...common} autoComplete="off" {...form.getInputProps(path)} />
      ) : (
        <TextInput key={key} {...common} {...form.getInputProps(path)} />
      );
  }
}
