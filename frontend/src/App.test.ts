import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getToken, TOKEN_KEY } from './lib/auth';
import { router } from './lib/router.svelte';
import App from './App.svelte';

type Call = { method: string; url: string; auth: string | undefined };

beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, '', '/');
  router.sync();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('App', () => {
  it('"Sign out" revokes the token on the server, then forgets it', async () => {
    localStorage.setItem(TOKEN_KEY, 'tok-out');
    const calls: Call[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
        const auth = (init?.headers as Record<string, string>).Authorization;
        calls.push({ method: init?.method ?? 'GET', url: String(url), auth });
        if (String(url) === '/auth/logout') return new Response(null, { status: 204 });
        if (String(url) === '/me/playlists') return new Response(JSON.stringify({ playlists: [] }), { status: 200 });
        return new Response(JSON.stringify({ did: 'did:plc:o', handle: 'o.test', display_name: null }), { status: 200 });
      }),
    );
    const user = userEvent.setup();
    render(App);

    await screen.findByText('@o.test');
    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    await waitFor(() => expect(getToken()).toBeNull());
    expect(calls).toContainEqual({ method: 'POST', url: '/auth/logout', auth: 'Bearer tok-out' });
    expect((await screen.findAllByRole('link', { name: 'Sign in' })).length).toBeGreaterThan(0);
  });

  it('signs out here even when the server cannot be reached', async () => {
    localStorage.setItem(TOKEN_KEY, 'tok-out');
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: RequestInfo | URL) => {
        if (String(url) === '/auth/logout') throw new TypeError('network down');
        if (String(url) === '/me/playlists') return new Response(JSON.stringify({ playlists: [] }), { status: 200 });
        return new Response(JSON.stringify({ did: 'did:plc:o', handle: 'o.test', display_name: null }), { status: 200 });
      }),
    );
    const user = userEvent.setup();
    render(App);
    await screen.findByText('@o.test');
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(getToken()).toBeNull());
  });
});
