// What both browser suites share: the API from Node (for set-up, and for checking what the
// server really stored) and polling until something holds.

import assert from 'node:assert/strict';

/** How long any one step may take before the suite calls it stuck. */
export const TIMEOUT_MS = 15_000;

/**
 * `api(method, path, body?)` against `config.baseUrl` with `config.token`: the parsed JSON
 * body (or undefined for an empty one); throws with the status and body on an error.
 *
 *   const api = apiClient(loadConfig());
 *   const playlists = await api('GET', '/me/playlists');
 */
export function apiClient(config) {
  return async function api(method, path, body) {
    const response = await fetch(config.baseUrl + path, {
      method,
      headers: {
        Authorization: `Bearer ${config.token}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** Poll `fn` until it returns `expected` (deep-equal) or the timeout passes. */
export async function eventually(fn, expected, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    try {
      assert.deepEqual(last, expected);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.deepEqual(last, expected, what);
}

/**
 * Close a browser context after taking down its pages' request routes: a route handler
 * still fetching when the context closes ("Request context disposed") is otherwise an
 * unhandled rejection that fails the file, seen on a loaded machine.
 */
export async function closeContext(context) {
  for (const page of context.pages()) await page.unrouteAll({ behavior: 'ignoreErrors' });
  await context.close();
}
