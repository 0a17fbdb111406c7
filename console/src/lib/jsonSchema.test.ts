import { describe, expect, it } from 'vitest';

import { describe as describeSchema, formValue, humanize, settingsValue } from './jsonSchema';
import type { JsonSchema } from './jsonSchema';

// The built-in providers' schemas, as pydantic writes them (BankTransferSettings,
// ChequeSettings and StripeSettings .model_json_schema()).
const optional = (description?: string): JsonSchema => ({
  anyOf: [{ type: 'string' }, { type: 'null' }],
  default: null,
  ...(description ? { description } : {}),
});
const BANK: JsonSchema = {
  $defs: {
    BankAccount: {
      properties: {
        currency: { description: 'ISO 4217 code', title: 'Currency', type: 'string' },
        account_holder: { title: 'Account Holder', type: 'string' },
        bank_name: { title: 'Bank Name', type: 'string' },
        iban: optional('For IBAN countries'),
        bic: optional('SWIFT/BIC of the bank'),
      },
      required: ['currency', 'account_holder', 'bank_name'],
      type: 'object',
    },
  },
  properties: {
    accounts: { items: { $ref: '#/$defs/BankAccount' }, minItems: 1, type: 'array' },
  },
  required: ['accounts'],
  type: 'object',
};
const STRIPE: JsonSchema = {
  properties: {
    secret_key: { format: 'password', type: 'string', writeOnly: true },
    publishable_key: { type: 'string' },
    live: { type: 'boolean' },
    retries: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    mode: { enum: ['payment', 'setup'], type: 'string' },
  },
  required: ['secret_key', 'publishable_key'],
  type: 'object',
};

describe('describe', () => {
  it('follows references and makes optional fields of anyOf-with-null', () => {
    const field = describeSchema(BANK);
    expect(field.kind).toBe('object');
    if (field.kind !== 'object') return;
    const [accounts] = field.fields;
    expect(accounts).toMatchObject({ kind: 'array', name: 'accounts', label: 'Accounts', minItems: 1, required: true });
    if (accounts.kind !== 'array' || accounts.item.kind !== 'object') throw new Error('shape');
    expect(accounts.item.fields.map((child) => [child.name, child.kind, child.required])).toEqual([
      ['currency', 'string', true],
      ['account_holder', 'string', true],
      ['bank_name', 'string', true],
      ['iban', 'string', false],
      ['bic', 'string', false],
    ]);
    expect(accounts.item.fields[3]).toMatchObject({ label: 'Iban', description: 'For IBAN countries', secret: false });
  });

  it('knows secrets, numbers, booleans and enums', () => {
    const field = describeSchema(STRIPE);
    if (field.kind !== 'object') throw new Error('shape');
    expect(field.fields).toEqual([
      { name: 'secret_key', label: 'Secret key', description: undefined, required: true, kind: 'string', secret: true },
      { name: 'publishable_key', label: 'Publishable key', description: undefined, required: true, kind: 'string', secret: false },
      { name: 'live', label: 'Live', description: undefined, required: false, kind: 'boolean' },
      { name: 'retries', label: 'Retries', description: undefined, required: false, kind: 'number', integer: true },
      { name: 'mode', label: 'Mode', description: undefined, required: false, kind: 'enum', options: ['payment', 'setup'] },
    ]);
  });

  it('refuses what it cannot render', () => {
    expect(() => describeSchema({ $ref: '#/elsewhere/X' })).toThrow('unsupported reference #/elsewhere/X');
  });
});

describe('values', () => {
  const bank = describeSchema(BANK);

  it('starts an empty form with the items the schema requires', () => {
    expect(formValue(bank, null)).toEqual({
      accounts: [{ currency: '', account_holder: '', bank_name: '', iban: '', bic: '' }],
    });
  });

  it('round-trips stored settings, leaving out empty optional fields', () => {
    const stored = {
      accounts: [{ currency: 'EUR', account_holder: 'Acme', bank_name: 'Bank', iban: 'DE89370400440532013000', bic: null }],
    };
    const value = formValue(bank, stored);
    expect(value).toEqual({
      accounts: [{ currency: 'EUR', account_holder: 'Acme', bank_name: 'Bank', iban: 'DE89370400440532013000', bic: '' }],
    });
    expect(settingsValue(bank, value)).toEqual({
      accounts: [{ currency: 'EUR', account_holder: 'Acme', bank_name: 'Bank', iban: 'DE89370400440532013000' }],
    });
  });

  it('sends masked secrets back as they are, numbers as numbers, and bad numbers as typed', () => {
    const stripe = describeSchema(STRIPE);
    const value = formValue(stripe, { secret_key: '**********', publishable_key: 'pk_1', live: true, retries: 3 });
    expect(value).toEqual({ secret_key: '**********', publishable_key: 'pk_1', live: true, retries: '3', mode: '' });
    expect(settingsValue(stripe, value)).toEqual({ secret_key: '**********', publishable_key: 'pk_1', live: true, retries: 3 });
    expect(settingsValue(stripe, { ...(value as object), retries: 'three' })).toMatchObject({ retries: 'three' });
  });
});

describe('humanize', () => {
  it('turns names into labels', () => {
    expect(humanize('account_holder')).toBe('Account holder');
    expect(humanize('postalCode')).toBe('Postal code');
  });
});
