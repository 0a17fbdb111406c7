// Double-submit CSRF: the server sets a readable `remit_csrf` cookie beside the HttpOnly
// session cookie; every POST made with the session must echo it in `X-CSRF-Token`.

export const CSRF_COOKIE = 'remit_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

/** The headers a same-origin POST needs: none when there is no token yet (signing in). */
export function csrfHeaders(cookies: string = document.cookie): Record<string, string> {
  const token = readCookie(cookies, CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}
