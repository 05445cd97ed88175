import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../lib/api';
import { router } from '../lib/router.svelte';
import type { PlaylistSummary } from '../lib/api';
import { owner, playlist } from '../test/fixtures';
import PlaylistList from './PlaylistList.svelte';

const summary = (id: string, name: string, count: number): PlaylistSummary => ({
  id,
  name,
  owner_did: owner.did,
  record_cid: `bafyrei${id}`,
  track_count: count,
});

beforeEach(() => {
  history.replaceState(null, '', '/');
  router.sync();
});

describe('PlaylistList', () => {
  it('links to each of the user’s playlists with its track count', async () => {
    const api = {
      myPlaylists: vi.fn(async () => [summary('a1', 'Focus', 25), summary('b 2', 'Solo', 1)]),
      createPlaylist: vi.fn(),
    };
    render(PlaylistList, { props: { api, me: owner } });

    const focus = await screen.findByRole('link', { name: /Focus/ });
    expect(focus).toHaveAttribute('href', '/playlist/a1');
    expect(focus).toHaveTextContent('25 tracks');
    expect(screen.getByRole('link', { name: /Solo/ })).toHaveAttribute('href', '/playlist/b%202');
    expect(screen.getByRole('link', { name: /Solo/ })).toHaveTextContent('1 track');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent("Owner's playlists");
    // A name cut short on a phone keeps its full text in a tooltip.
    expect(screen.getByText('Focus')).toHaveAttribute('title', 'Focus');

    await userEvent.click(focus);
    expect(location.pathname).toBe('/playlist/a1');
    expect(router.route).toEqual({ name: 'playlist', id: 'a1' });
  });

  it('creates a playlist and opens it', async () => {
    const api = {
      myPlaylists: vi.fn(async () => []),
      createPlaylist: vi.fn(async (name: string) => playlist([], { id: 'new1', name })),
    };
    const user = userEvent.setup();
    render(PlaylistList, { props: { api, me: owner } });
    expect(await screen.findByText('You have no playlists yet.')).toBeInTheDocument();

    await user.type(screen.getByLabelText('New playlist'), '  Road trip ');
    await user.click(screen.getByRole('button', { name: 'Create' }));

    expect(api.createPlaylist).toHaveBeenCalledWith('Road trip');
    await waitFor(() => expect(location.pathname).toBe('/playlist/new1'));
  });

  it('says politely when the list cannot be loaded', async () => {
    const api = {
      myPlaylists: vi.fn(async () => {
        throw new ApiError(401, 'unauthorized', 'invalid token');
      }),
      createPlaylist: vi.fn(),
    };
    render(PlaylistList, { props: { api, me: null } });
    const message = await screen.findByText(/Couldn't load your playlists/);
    expect(message).toHaveAttribute('role', 'status');
    expect(message).toHaveTextContent('not signed in');
  });
});
