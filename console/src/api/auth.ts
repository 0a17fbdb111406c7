// The console's sign-in routes (/auth/*): JSON in, JSON out, errors as
// {"error", "code", "field"?}. Everything else goes through GraphQL.
import { csrfHeaders } from '../lib/csrf';

export type Role = 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER';

export interface Session {
  user: { id: string; email: string; name: string; role: Role };
  tenant: { id: string; name: string };
}

export class AuthError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(method === 'GET' ? {} : csrfHeaders()),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204 || response.status === 202) return undefined as T;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const wait = response.headers.get('Retry-After');
    const message =
      response.status === 429 && wait
        ? `Too many attempts: try again in ${wait} seconds.`
        : (data.error ?? `The server answered ${response.status}.`);
    throw new AuthError(message, data.code ?? 'ERROR', response.status, data.field);
  }
  return data as T;
}

export const auth = {
  options: () => call<{ signup: boolean }>('GET', '/auth/options'),
  session: () => call<Session>('GET', '/auth/session'),
  login: (email: string, password: string) =>
    call<Session>('POST', '/auth/login', { email, password }),
  logout: () => call<void>('POST', '/auth/logout'),
  acceptInvite: (token: string, password: string, name?: string) =>
    call<Session>('POST', `/auth/invite/${encodeURIComponent(token)}`, { password, name }),
  requestReset: (email: string) => call<void>('POST', '/auth/reset', { email }),
  reset: (token: string, password: string) =>
    call<Session>('POST', `/auth/reset/${encodeURIComponent(token)}`, { password }),
  signup: (input: { tenantName: string; name: string; email: string; password: string }) =>
    call<Session>('POST', '/auth/signup', input),
};
