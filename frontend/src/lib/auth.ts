// Where the API token lives in the browser. One key, read on every request so that
// signing in or out in another tab takes effect without a reload.
//
// localStorage rather than sessionStorage, on purpose (docs/security.md): a script that
// could read one could read the other, so what protects the token is that no script but
// the UI's own can run (the Content-Security-Policy allows scripts from this origin only,
// and the built page has no inline script); tokens expire, and "Sign out" revokes the
// token on the server before it is dropped here.

export const TOKEN_KEY = 'segue.token';

/** The stored token, or null when signed out (or storage is unavailable). */
export function getToken(): string | null {
  try {
    const token = localStorage.getItem(TOKEN_KEY);
    return token && token.trim() ? token : null;
  } catch {
    // Storage can throw when disabled by the browser (privacy modes): act signed out.
    return null;
  }
}

/** Store `token` for later requests: `setToken(route.token)` on the sign-in page. */
export function setToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token.trim());
}

export function clearToken(): void {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing stored can be cleared when storage is disabled; nothing to do.
  }
}
