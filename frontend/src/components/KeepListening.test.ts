import { render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../lib/api';
import type { Recommendations } from '../lib/api';
import { deferred, memoryApi, playlist, stranger, suggestion, track } from '../test/fixtures';
import KeepListening from './KeepListening.svelte';
import PlaylistView from './PlaylistView.svelte';

const catalog = Array.from({ length: 8 }, (_, i) => track(i + 1, `Song ${i + 1}`));

function continuation(answer: () => Promise<Recommendations>) {
  return { continuation: vi.fn(answer) };
}

describe('KeepListening', () => {
  it('shows a few tracks to play after the playlist, with previews, and nothing to add', async () => {
    const api = continuation(async () => ({
      tracks: [suggestion(5, 'Undertow', { audio_url: 'https://cdn.test/5.mp3' }), suggestion(6, 'Tide')],
      available: true,
      more: true,
    }));
    render(KeepListening, { props: { api, playlistId: 'pl1' } });
    const section = await screen.findByTestId('keep-listening');
    expect(within(section).getByRole('heading', { level: 2, name: 'Keep listening' })).toBeInTheDocument();
    const items = within(section).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('.title')!.textContent)).toEqual(['Undertow', 'Tide']);
    expect(within(section).getByRole('button', { name: 'Play preview of Undertow' })).toBeInTheDocument();
    expect(within(section).queryByRole('button', { name: /Add .* to playlist/ })).not.toBeInTheDocument();
    expect(api.continuation).toHaveBeenCalledWith('pl1', 4, expect.objectContaining({}));
  });

  it('renders nothing while pending and nothing when unavailable', async () => {
    const pending = deferred<Recommendations>();
    const api = continuation(() => pending.promise);
    render(KeepListening, { props: { api, playlistId: 'pl1' } });
    expect(screen.queryByTestId('keep-listening')).not.toBeInTheDocument();
    pending.resolve({ tracks: [], available: false, more: false });
    await waitFor(() => expect(api.continuation).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId('keep-listening')).not.toBeInTheDocument();
  });

  it('shows an error with Try again', async () => {
    let calls = 0;
    const api = continuation(async () => {
      calls += 1;
      if (calls === 1) throw new ApiError(503, 'vector_store_unavailable', 'vector store unavailable');
      return { tracks: [suggestion(7, 'Again')], available: true, more: false };
    });
    render(KeepListening, { props: { api, playlistId: 'pl1' } });
    expect(await screen.findByText(/Couldn't load tracks to keep listening/)).toBeInTheDocument();
    screen.getByRole('button', { name: 'Try again' }).click();
    expect(await screen.findByText('Again')).toBeInTheDocument();
  });
});

describe('PlaylistView for someone else', () => {
  it("shows Keep listening below another user's playlist, never to its owner", async () => {
    const mem = memoryApi(playlist(catalog.slice(0, 3)), catalog);
    render(PlaylistView, { props: { api: mem.api, playlistId: 'pl1', me: stranger } });
    const section = await screen.findByTestId('keep-listening');
    expect(within(section).getAllByRole('listitem')).toHaveLength(4);
    expect(mem.api.continuation).toHaveBeenCalledTimes(1);
  });

  it('on a private playlist: says so, and still offers Keep listening', async () => {
    const mem = memoryApi(playlist(catalog.slice(0, 3)), catalog);
    mem.api.playlist.mockRejectedValue(new ApiError(403, 'forbidden', "only the playlist's owner can do this"));
    render(PlaylistView, { props: { api: mem.api, playlistId: 'pl1', me: stranger } });
    expect(await screen.findByRole('heading', { level: 1, name: 'This playlist is private' })).toBeInTheDocument();
    const section = await screen.findByTestId('keep-listening');
    expect(within(section).getAllByRole('listitem').length).toBeGreaterThan(0);
  });
});
