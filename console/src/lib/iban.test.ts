import { describe, expect, it } from 'vitest';

import { groupIban } from './iban';

describe('groupIban', () => {
  it('groups by four from the start, the rest last', () => {
    expect(groupIban('DE89370400440532013000')).toBe('DE89 3704 0044 0532 0130 00');
    expect(groupIban('NL91ABNA0417164300')).toBe('NL91 ABNA 0417 1643 00');
  });
  it('regroups one spaced otherwise, in capitals', () => {
    expect(groupIban(' ch93 00762011 623852957 ')).toBe('CH93 0076 2011 6238 5295 7');
  });
  it('leaves nothing as nothing', () => {
    expect(groupIban('')).toBe('');
  });
});
