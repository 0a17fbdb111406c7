import { MantineProvider } from '@mantine/core';
import { useForm } from '@mantine/form';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { describe as describeSchema, formValue } from '../lib/jsonSchema';
import type { FormValue, JsonSchema } from '../lib/jsonSchema';
import { SchemaFields } from './SchemaForm';
import { applyErrors, valuePaths } from './forms';

const SCHEMA: JsonSchema = {
  $defs: {
    Account: {
      properties: {
        currency: { type: 'string' },
        iban: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
      required: ['currency'],
      type: 'object',
    },
  },
  properties: {
    secret_key: { format: 'password', type: 'string', writeOnly: true },
    accounts: { items: { $ref: '#/$defs/Account' }, minItems: 1, type: 'array' },
  },
  required: ['secret_key', 'accounts'],
  type: 'object',
};

beforeAll(() => {
  // Mantine asks for media queries, which jsdom lacks.
  window.matchMedia ??= (query: string) =>
    ({ matches: false, media: query, addEventListener() {}, removeEventListener() {} }) as unknown as MediaQueryList;
  window.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

afterEach(cleanup);

let form: ReturnType<typeof useForm<{ settings: FormValue }>>;
const field = describeSchema(SCHEMA);

function Harness() {
  form = useForm<{ settings: FormValue }>({
    initialValues: { settings: formValue(field, { secret_key: '**********', accounts: [{ currency: 'EUR' }] }) },
  });
  return (
    <MantineProvider>
      <SchemaFields field={field} path="settings" form={form} />
    </MantineProvider>
  );
}

describe('SchemaFields', () => {
  it('renders a masked secret, the array items, and adds one', () => {
    render(<Harness />);
    const secret = screen.getByLabelText(/Secret key/) as HTMLInputElement;
    expect(secret.type).toBe('password');
    expect(secret.value).toBe('**********');
    expect((screen.getByLabelText(/Currency/) as HTMLInputElement).value).toBe('EUR');

    fireEvent.click(screen.getByRole('button', { name: 'Add account' }));

    expect(screen.getAllByLabelText(/Currency/)).toHaveLength(2);
    expect(form.getValues().settings).toEqual({
      secret_key: '**********',
      accounts: [
        { currency: 'EUR', iban: '' },
        { currency: '', iban: '' },
      ],
    });
  });

  it("shows the API's errors on the fields their paths name", () => {
    render(<Harness />);
    let general: string[] = [];
    act(() => {
      general = applyErrors(form, [
        { field: ['input', 'settings', 'accounts', '0', 'iban'], message: 'is not a valid IBAN', code: 'INVALID' },
        { field: ['input', 'provider'], message: 'is not installed', code: 'NOT_FOUND' },
      ]);
    });

    expect(screen.getByText('is not a valid IBAN')).toBeTruthy();
    expect(screen.getByLabelText(/Iban/).getAttribute('aria-invalid')).toBe('true');
    expect(general).toEqual(['provider: is not installed']);
  });
});

describe('valuePaths', () => {
  it('lists every object, list and leaf path', () => {
    expect(valuePaths({ name: '', company: { address: { city: '' } }, emails: ['a', 'b'] })).toEqual([
      'name',
      'company',
      'company.address',
      'company.address.city',
      'emails',
      'emails.0',
      'emails.1',
    ]);
  });
});
