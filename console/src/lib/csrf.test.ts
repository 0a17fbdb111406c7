import { describe, expect, it } from 'vitest';

import { csrfHeaders, readCookie } from './csrf';

describe('readCookie', () => {
  it('finds one cookie among others', () => {
    expect(readCookie('a=1; remit_csrf=tok%3Den; b=2', 'remit_csrf')).toBe('tok=en');
    expect(readCookie('remit_csrf=x=y', 'remit_csrf')).toBe('x=y');
  });
  it('does not take a cookie whose name only ends the same', () => {
    expect(readCookie('old_remit_csrf=1', 'remit_csrf')).toBeNull();
    expect(readCookie('', 'remit_csrf')).toBeNull();
  });
});

describe('csrfHeaders', () => {
  it('echoes the cookie in X-CSRF-Token', () => {
    expect(csrfHeaders('remit_session=s; remit_csrf=abc123')).toEqual({ 'X-CSRF-Token': 'abc123' });
  });
  it('sends nothing before there is a token', () => {
    expect(csrfHeaders('remit_session=s')).toEqual({});
  });
  it('reads the document cookie by default', () => {
    document.cookie = 'remit_csrf=from-document';
    expect(csrfHeaders()).toEqual({ 'X-CSRF-Token': 'from-document' });
  });
});
