import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getToken, TOKEN_KEY } from '../lib/auth';
import { router } from '../lib/router.svelte';
import Login from './Login.svelte';

beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, '', '/login');
  router.sync();
});

describe('Login', () => {
  it('stores ?token= and goes to "/" without leaving the token in the history', async () => {
    history.replaceState(null, '', '/login?token=tok-abc');
    const onSignedIn = vi.fn();
    render(Login, { props: { token: 'tok-abc', onSignedIn } });

    await waitFor(() => expect(location.pathname).toBe('/'));
    expect(localStorage.getItem(TOKEN_KEY)).toBe('tok-abc');
    expect(onSignedIn).toHaveBeenCalledTimes(1);
    expect(location.search).toBe('');
    expect(router.route).toEqual({ name: 'home' });
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
