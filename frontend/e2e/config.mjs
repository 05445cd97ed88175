// Settings of the end-to-end run, all from the environment, so the Makefile (or a person)
// points it at any running `segue serve` / `segue demo`:
//
//   SEGUE_E2E_LOGIN_URL  the address `segue demo` prints: http://HOST:PORT/login#token=...
//   or both of
//   SEGUE_E2E_URL        the server's base address, e.g. http://127.0.0.1:8000
//   SEGUE_E2E_TOKEN      an API token of the user who owns the demo playlists
//
//   SEGUE_E2E_OTHER_TOKEN a token of another user (`segue token create`), for the
//                         account-switch prompt and sign-out; those tests fail without it
//
//   SEGUE_E2E_SCREENSHOT  where to save the edit-view screenshot
//                         (default: frontend/e2e-artifacts/edit-view.png)
//   SEGUE_E2E_CHROMIUM    the browser (default: /usr/bin/chromium, Debian's package)
//   SEGUE_E2E_TRACK_COUNT size of the playlist to edit (default: 25, the demo's)

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export class ConfigError extends Error {}

/** Read and check the settings; throws ConfigError saying what is missing. */
export function loadConfig(env = process.env) {
  let baseUrl = env.SEGUE_E2E_URL;
  let token = env.SEGUE_E2E_TOKEN;
  if (env.SEGUE_E2E_LOGIN_URL) {
    const login = new URL(env.SEGUE_E2E_LOGIN_URL);
    baseUrl ??= login.origin;
    token ??= new URLSearchParams(login.hash.slice(1)).get('token') ?? undefined;
  }
  if (!baseUrl || !token) {
    throw new ConfigError(
      'Set SEGUE_E2E_LOGIN_URL (the sign-in address `segue demo` prints), ' +
        'or SEGUE_E2E_URL and SEGUE_E2E_TOKEN, to the running server to test.',
    );
  }
  const chromium = env.SEGUE_E2E_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new ConfigError(`No browser at ${chromium}: install Debian's chromium (apt-get install -y chromium).`);
  }
  const trackCount = Number(env.SEGUE_E2E_TRACK_COUNT || 25);
  if (!Number.isInteger(trackCount) || trackCount < 1) {
    throw new ConfigError(`SEGUE_E2E_TRACK_COUNT must be a positive integer, not ${env.SEGUE_E2E_TRACK_COUNT}`);
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    token,
    otherToken: env.SEGUE_E2E_OTHER_TOKEN || null,
    chromium,
    trackCount,
    screenshot: resolve(env.SEGUE_E2E_SCREENSHOT || resolve(here, '..', 'e2e-artifacts', 'edit-view.png')),
  };
}

// The probe of this machine found Chromium trying to reach Google's hosts at start-up
// without these; the network here refuses them, so they are turned off.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
