import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getToken, TOKEN_KEY } from '../lib/auth';
import { router } from '../lib/router.svelte';
import Login from './Login.svelte';

const USERS: Record<string, { did: string; handle: string; display_name: null }> = {
  'tok-alice': { did: 'did:plc:alice', handle: 'alice.test', display_name: null },
  'tok-alice-2': { did: 'did:plc:alice', handle: 'alice.test', display_name: null },
  'tok-mallory': { did: 'did:plc:mallory', handle: 'mallory.test', display_name: null },
};

/** GET /me answered from USERS by the bearer token; anything else is a 401. */
const meByToken = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
  const auth = (init?.headers as Record<string, string>).Authorization ?? '';
  const user = USERS[auth.replace('Bearer ', '')];
  return user
    ? new Response(JSON.stringify(user), { status: 200 })
    : new Response(JSON.stringify({ error: 'unauthorized', detail: 'invalid token' }), { status: 401 });
}) as unknown as typeof fetch;

/** Open `/login#token=...` as a browser would: the router reads the fragment, then drops it. */
function openLink(token: string): string | null {
  history.replaceState(null, '', `/login#token=${encodeURIComponent(token)}`);
  router.sync();
  return router.route.name === 'login' ? router.route.token : null;
}

beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, '', '/login');
  router.sync();
});

describe('Login', () => {
  it('takes #token= out of the address at once, stores it and goes to "/"', async () => {
    const token = openLink('tok-alice');
    expect(token).toBe('tok-alice');
    expect(location.hash).toBe(''); // before anything else happens
    expect(location.href).not.toContain('tok-alice');

    const onSignedIn = vi.fn();
    render(Login, { props: { token, onSignedIn, fetchImpl: meByToken } });

    await waitFor(() => expect(location.pathname).toBe('/'));
    expect(localStorage.getItem(TOKEN_KEY)).toBe('tok-alice');
    expect(onSignedIn).toHaveBeenCalledTimes(1);
    expect(location.search + location.hash).toBe('');
    expect(router.route).toEqual({ name: 'home' });
  });

  it('ignores a ?token= in the query: such a link signs nobody in', async () => {
    history.replaceState(null, '', '/login?token=tok-alice');
    router.sync();
    expect(router.route).toEqual({ name: 'login', token: null });
    expect(location.search).toBe(''); // scrubbed from the address all the same
    render(Login, { props: { token: null, onSignedIn: () => {}, fetchImpl: meByToken } });
    expect(screen.getByLabelText('API token')).toBeInTheDocument();
    expect(getToken()).toBeNull();
  });

  it('asks before switching when someone else is signed in, and can stay', async () => {
    localStorage.setItem(TOKEN_KEY, 'tok-alice');
    const onSignedIn = vi.fn();
    const user = userEvent.setup();
    render(Login, { props: { token: openLink('tok-mallory'), onSignedIn, fetchImpl: meByToken } });

    const dialog = await screen.findByRole('alertdialog', { name: 'Switch accounts?' });
    expect(dialog).toHaveTextContent('You are signed in as @alice.test. Switch to the account in this link?');
    expect(getToken()).toBe('tok-alice'); // nothing changed while asking
    expect(location.href).not.toContain('tok-mallory');

    await user.click(screen.getByRole('button', { name: 'Stay signed in as @alice.test' }));
    await waitFor(() => expect(location.pathname).toBe('/'));
    expect(getToken()).toBe('tok-alice');
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it('switches accounts when asked to', async () => {
    localStorage.setItem(TOKEN_KEY, 'tok-alice');
    const onSignedIn = vi.fn();
    const user = userEvent.setup();
    render(Login, { props: { token: openLink('tok-mallory'), onSignedIn, fetchImpl: meByToken } });

    await user.click(await screen.findByRole('button', { name: 'Switch to @mallory.test' }));
    await waitFor(() => expect(getToken()).toBe('tok-mallory'));
    expect(onSignedIn).toHaveBeenCalledTimes(1);
    expect(location.pathname).toBe('/');
  });

  it('does not ask when the link is for the account already signed in', async () => {
    localStorage.setItem(TOKEN_KEY, 'tok-alice');
    render(Login, { props: { token: openLink('tok-alice-2'), onSignedIn: () => {}, fetchImpl: meByToken } });
    await waitFor(() => expect(getToken()).toBe('tok-alice-2'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('does not ask when the stored token no longer works', async () => {
    localStorage.setItem(TOKEN_KEY, 'tok-expired');
    render(Login, { props: { token: openLink('tok-mallory'), onSignedIn: () => {}, fetchImpl: meByToken } });
    await waitFor(() => expect(getToken()).toBe('tok-mallory'));
  });

  it('keeps the signed-in account when the link\'s token is refused', async () => {
    localStorage.setItem(TOKEN_KEY, 'tok-alice');
    render(Login, { props: { token: openLink('tok-bogus'), onSignedIn: () => {}, fetchImpl: meByToken } });
    expect(await screen.findByText(/The token in this sign-in link was not accepted/)).toBeInTheDocument();
    expect(getToken()).toBe('tok-alice');
  });

  it('checks a pasted token against /me before keeping it', async () => {
    const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string>).Authorization;
      return auth === 'Bearer good'
        ? new Response(JSON.stringify({ did: 'did:plc:a', handle: 'a.test', display_name: null }), { status: 200 })
        : new Response(JSON.stringify({ error: 'unauthorized', detail: 'invalid token' }), { status: 401 });
    }) as unknown as typeof fetch;
    const user = userEvent.setup();
    render(Login, { props: { token: null, onSignedIn: () => {}, fetchImpl } });

    const field = screen.getByLabelText('API token');
    await user.type(field, 'bad');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('That token was not accepted.')).toBeInTheDocument();
    expect(getToken()).toBeNull();

    await user.clear(field);
    await user.type(field, 'good');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(getToken()).toBe('good'));
    expect(location.pathname).toBe('/');
  });
});
