import { describe, expect, it } from 'vitest';

import { fieldPath, mapErrors } from './errors';

describe('fieldPath', () => {
  it('drops the input argument', () => {
    expect(fieldPath(['input', 'company', 'legalName'])).toBe('company.legalName');
    expect(fieldPath(['input', 'price'])).toBe('price');
  });
  it('keeps other arguments and list indexes', () => {
    expect(fieldPath(['endDate'])).toBe('endDate');
    expect(fieldPath(['input', 'billingEmails', '1'])).toBe('billingEmails.1');
  });
  it('has nothing to say for no path', () => {
    expect(fieldPath(null)).toBeNull();
    expect(fieldPath([])).toBeNull();
    expect(fieldPath(['input'])).toBeNull();
  });
});

describe('mapErrors', () => {
  const known = ['name', 'price', 'billingEmails', 'company.address', 'company.address.city'];

  it('puts each error on its field', () => {
    const mapped = mapErrors(
      [
        { field: ['input', 'price'], message: 'must be positive', code: 'INVALID' },
        { field: ['input', 'company', 'address', 'city'], message: 'is required', code: 'REQUIRED' },
      ],
      known,
    );
    expect(mapped).toEqual({
      fields: { price: 'must be positive', 'company.address.city': 'is required' },
      general: [],
    });
  });

  it('gives a deeper path to the closest field the form has', () => {
    const mapped = mapErrors(
      [{ field: ['input', 'billingEmails', '1'], message: 'is not an email', code: 'INVALID' }],
      known,
    );
    expect(mapped.fields).toEqual({ billingEmails: 'is not an email' });
  });

  it('joins two errors of one field', () => {
    const mapped = mapErrors(
      [
        { field: ['input', 'name'], message: 'is too long', code: 'INVALID' },
        { field: ['input', 'name'], message: 'is taken', code: 'CONFLICT' },
      ],
      known,
    );
    expect(mapped.fields).toEqual({ name: 'is too long; is taken' });
  });

  it('keeps errors of no field, or of a field the form lacks, for above the form', () => {
    const mapped = mapErrors(
      [
        { field: null, message: 'Enable invoicing first.', code: 'NOT_READY' },
        { field: ['input', 'currency'], message: 'is not ISO 4217', code: 'INVALID' },
      ],
      known,
    );
    expect(mapped).toEqual({
      fields: {},
      general: ['Enable invoicing first.', 'currency: is not ISO 4217'],
    });
  });
});
