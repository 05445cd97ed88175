import { describe, expect, it } from 'vitest';
import { matchRoute } from './router.svelte';

describe('matchRoute', () => {
  it('maps the three pages of the app', () => {
    expect(matchRoute('/', '')).toEqual({ name: 'home' });
    expect(matchRoute('/login', '#token=abc%2Bdef')).toEqual({ name: 'login', token: 'abc+def' });
    expect(matchRoute('/login/', '')).toEqual({ name: 'login', token: null });
    expect(matchRoute('/playlist/3kq2', '')).toEqual({ name: 'playlist', id: '3kq2' });
    expect(matchRoute('/playlist/a%20b/', '')).toEqual({ name: 'playlist', id: 'a b' });
  });

  it('reads a sign-in token from the fragment only, never from the query', () => {
    expect(matchRoute('/login', '?token=abc')).toEqual({ name: 'login', token: null });
    expect(matchRoute('/login', '#token=')).toEqual({ name: 'login', token: null });
    expect(matchRoute('/login', '#other=1&token=t-1')).toEqual({ name: 'login', token: 't-1' });
  });

  it('sends anything else to not-found', () => {
    expect(matchRoute('/playlist', '')).toEqual({ name: 'not-found', path: '/playlist' });
    expect(matchRoute('/playlist/a/b', '')).toEqual({ name: 'not-found', path: '/playlist/a/b' });
    expect(matchRoute('/playlist/%E0%A4%A', '')).toMatchObject({ name: 'not-found' });
    expect(matchRoute('/playlists/1', '')).toMatchObject({ name: 'not-found' });
  });
});
