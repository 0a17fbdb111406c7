import { describe, expect, it } from 'vitest';

import { addAmounts, formatMoney, multiply, smallerAmount, totalsByCurrency } from './money';

describe('addAmounts', () => {
  it('adds exactly where floats would not', () => {
    expect(addAmounts(['0.1', '0.2'])).toBe('0.3');
    expect(addAmounts(['1299.88', '0.12', '-100'])).toBe('1200.00');
  });
  it('keeps the most decimals given', () => {
    expect(addAmounts(['1', '0.005'])).toBe('1.005');
    expect(addAmounts(['100', '25'])).toBe('125');
  });
  it('handles negative sums and nothing', () => {
    expect(addAmounts(['1.50', '-2.75'])).toBe('-1.25');
    expect(addAmounts([])).toBe('0');
  });
  it('refuses what is not a decimal', () => {
    expect(() => addAmounts(['1e3'])).toThrow('not a decimal amount: 1e3');
  });
});

describe('totalsByCurrency', () => {
  it('totals each currency apart, in order of appearance', () => {
    expect(
      totalsByCurrency([
        { amount: '10.00', currency: 'EUR' },
        { amount: '5', currency: 'USD' },
        { amount: '0.99', currency: 'EUR' },
      ]),
    ).toEqual([
      { currency: 'EUR', amount: '10.99' },
      { currency: 'USD', amount: '5' },
    ]);
  });
});

describe('formatMoney', () => {
  it("uses the API's own formatting when given", () => {
    expect(formatMoney({ amount: '1250', currency: 'EUR', formatted: '€1,250.00' })).toBe('€1,250.00');
  });
  it('formats with the currency minor unit, without losing digits', () => {
    expect(formatMoney({ amount: '1250', currency: 'EUR' })).toBe('€1,250.00');
    expect(formatMoney({ amount: '1000', currency: 'JPY' })).toBe('¥1,000');
    expect(formatMoney({ amount: '12345678901234.56', currency: 'USD' })).toBe('$12,345,678,901,234.56');
  });
});

describe('multiply', () => {
  it('multiplies decimals exactly', () => {
    expect(multiply('3', '19.99')).toBe('59.97');
    expect(multiply('1.5', '0.10')).toBe('0.150');
  });
});

describe('smallerAmount', () => {
  it('compares as decimals, not as text or floats', () => {
    expect(smallerAmount('1299.88', '300')).toBe('300');
    expect(smallerAmount('9.5', '10.00')).toBe('9.5');
    expect(smallerAmount('0.30', '0.3000000000000001')).toBe('0.30');
  });
  it('gives the first of two equal amounts', () => {
    expect(smallerAmount('5.0', '5.00')).toBe('5.0');
  });
});
