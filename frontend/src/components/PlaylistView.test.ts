import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import type { Recommendations } from '../lib/api';
import { deferred, memoryApi, owner, playlist, stranger, track } from '../test/fixtures';
import PlaylistView from './PlaylistView.svelte';

const catalog = Array.from({ length: 8 }, (_, i) => track(i + 1, `Song ${i + 1}`));

function setup(tracks = catalog.slice(0, 3), me = owner, opts: { available?: boolean } = {}) {
  const mem = memoryApi(playlist(tracks), catalog, opts);
  const user = userEvent.setup();
  render(PlaylistView, { props: { api: mem.api, playlistId: 'pl1', me } });
  return { ...mem, user };
}

function trackTitles(): string[] {
  const list = screen.getByRole('list', { name: 'Tracks' });
  return within(list)
    .getAllByRole('listitem')
    .map((li) => li.querySelector('.title')!.textContent!);
}

async function enterEditMode(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Edit playlist' }));
}

describe('PlaylistView', () => {
  it('shows the name, owner and the ordered tracks as solid cards', async () => {
    setup();
    expect(await screen.findByRole('heading', { level: 1, name: 'Night drive' })).toBeInTheDocument();
    expect(screen.getByText('Owner (you)')).toBeInTheDocument();
    expect(trackTitles()).toEqual(['Song 1', 'Song 2', 'Song 3']);
    for (const card of document.querySelectorAll('.track-card')) expect(card).toHaveClass('track-card--playlist');
    expect(screen.queryByTestId('recommendations')).not.toBeInTheDocument();
    // Keep listening is for the others: the owner has its recommendations.
    expect(screen.queryByTestId('keep-listening')).not.toBeInTheDocument();
  });

  it('offers editing to the owner only', async () => {
    setup(catalog.slice(0, 3), stranger);
    await screen.findByRole('heading', { name: 'Night drive' });
    expect(screen.getByText('did:plc:owner')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit playlist' })).not.toBeInTheDocument();
  });

  it('shows recommendations below "Add tracks" in edit mode and clears them when leaving', async () => {
    const { api, user } = setup();
    await enterEditMode(user);

    const section = await screen.findByRole('region', { name: 'Recommended tracks' });
    await within(section).findByRole('button', { name: 'Add Song 4 to playlist' });
    const addTracks = screen.getByRole('button', { name: '+ Add tracks' });
    expect(addTracks.compareDocumentPosition(section) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Done editing' }));
    expect(screen.queryByTestId('recommendations')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Add Song/ })).not.toBeInTheDocument();

    // Entering again fetches afresh rather than showing the old list.
    await enterEditMode(user);
    await screen.findByRole('button', { name: 'Add Song 4 to playlist' });
    expect(api.recommendations).toHaveBeenCalledTimes(2);
  });

  it('"+" moves the track into the playlist and fetches recommendations without it', async () => {
    const { api, user } = setup();
    await enterEditMode(user);
    const section = await screen.findByRole('region', { name: 'Recommended tracks' });

    await user.click(await within(section).findByRole('button', { name: 'Add Song 4 to playlist' }));

    await waitFor(() => expect(trackTitles()).toEqual(['Song 1', 'Song 2', 'Song 3', 'Song 4']));
    expect(api.addTrack).toHaveBeenCalledWith('pl1', 4);
    await within(section).findByRole('button', { name: 'Add Song 7 to playlist' });
    expect(within(section).queryByRole('button', { name: 'Add Song 4 to playlist' })).not.toBeInTheDocument();
    expect(api.recommendations).toHaveBeenCalledTimes(2);
    expect(screen.getByRole('heading', { level: 1 }).parentElement).toHaveTextContent('4 tracks');
  });

  it('dismisses a suggestion, shows others, and undoes the dismissal', async () => {
    const { api, user } = setup();
    await enterEditMode(user);
    const section = await screen.findByRole('region', { name: 'Recommended tracks' });
    const shown = () =>
      within(section)
        .queryAllByRole('button', { name: /^Add .* to playlist$/ })
        .map((b) => b.getAttribute('aria-label'));
    await waitFor(() => expect(shown()).toEqual(['Add Song 4 to playlist', 'Add Song 5 to playlist', 'Add Song 6 to playlist']));

    await user.click(within(section).getByRole('button', { name: 'Not for this playlist: Song 5' }));
    await waitFor(() => expect(shown()).toEqual(['Add Song 4 to playlist', 'Add Song 6 to playlist', 'Add Song 7 to playlist']));
    expect(api.dismiss).toHaveBeenCalledWith('pl1', 5);

    await user.click(within(section).getByRole('button', { name: 'Show others' }));
    await waitFor(() => expect(shown()).toEqual(['Add Song 8 to playlist']));
    expect(within(section).getByText('These are the last suggestions for this playlist.')).toBeInTheDocument();

    await user.click(within(section).getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(shown()).toEqual(['Add Song 7 to playlist', 'Add Song 8 to playlist']));
    expect(api.undismiss).toHaveBeenCalledWith('pl1', 5);
  });

  it('shows no recommendation section for an empty playlist', async () => {
    const { api, user } = setup([]);
    await enterEditMode(user);
    await waitFor(() => expect(api.recommendations).toHaveBeenCalled());
    await waitFor(() => expect(screen.queryByTestId('recommendations')).not.toBeInTheDocument());
    expect(screen.getByText('This playlist has no tracks yet.')).toBeInTheDocument();
  });

  it('hides the section when the vector store is off (available: false)', async () => {
    const { api, user } = setup(catalog.slice(0, 3), owner, { available: false });
    await enterEditMode(user);
    await waitFor(() => expect(api.recommendations).toHaveBeenCalled());
    await waitFor(() => expect(screen.queryByTestId('recommendations')).not.toBeInTheDocument());
  });

  it('never mentions recommendations while an answer of available: false is pending', async () => {
    const { api, user } = setup(catalog.slice(0, 3), owner, { available: false });
    const pending = deferred<Recommendations>();
    api.recommendations.mockImplementationOnce(() => pending.promise);
    await enterEditMode(user);
    await waitFor(() => expect(api.recommendations).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 20));

    // Neither the page nor the screen-reader notice promises a section that will not exist.
    expect(document.body).not.toHaveTextContent(/Recommend|Finding tracks/);
    expect(screen.getByRole('button', { name: '+ Add tracks' })).toBeInTheDocument();

    pending.resolve({ tracks: [], available: false, more: false });
    await pending.promise;
    await new Promise((r) => setTimeout(r, 20));
    expect(document.body).not.toHaveTextContent(/Recommend|Finding tracks/);
  });

  it('announces the recommendations once they are available', async () => {
    const { user } = setup();
    await enterEditMode(user);
    await screen.findByRole('region', { name: 'Recommended tracks' });
    await waitFor(() =>
      expect(screen.getByText('Editing. Recommendations appear below the Add tracks button.')).toBeInTheDocument(),
    );
  });

  it('reorders with labelled move buttons and keeps focus on the moved track', async () => {
    const { api, user, state } = setup();
    await enterEditMode(user);

    const down = screen.getByRole('button', { name: 'Move Song 1 down' });
    await user.click(down);

    expect(trackTitles()).toEqual(['Song 2', 'Song 1', 'Song 3']);
    await waitFor(() => expect(api.reorderTracks).toHaveBeenLastCalledWith('pl1', [2, 1, 3]));
    await waitFor(() => expect(state().tracks.map((t) => t.id)).toEqual([2, 1, 3]));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Move Song 1 down' }));
    expect(screen.getByRole('button', { name: 'Move Song 2 up' })).toBeDisabled();
    // The same tracks in another order fit the same: the suggestions stay, not re-fetched.
    await screen.findByRole('button', { name: 'Add Song 4 to playlist' });
    expect(api.recommendations).toHaveBeenCalledTimes(1);
  });

  it('reorders with Alt+ArrowUp / Alt+ArrowDown', async () => {
    const { api, user } = setup();
    await enterEditMode(user);

    screen.getByRole('button', { name: 'Remove Song 3 from playlist' }).focus();
    await user.keyboard('{Alt>}{ArrowUp}{/Alt}');
    expect(trackTitles()).toEqual(['Song 1', 'Song 3', 'Song 2']);
    await user.keyboard('{Alt>}{ArrowUp}{/Alt}');
    expect(trackTitles()).toEqual(['Song 3', 'Song 1', 'Song 2']);
    // Focus followed the track, so the second press moved the same one.
    await waitFor(() => expect(api.reorderTracks).toHaveBeenLastCalledWith('pl1', [3, 1, 2]));
    expect(api.reorderTracks).toHaveBeenCalledTimes(2);
    expect(api.reorderTracks.mock.calls[0][1]).toEqual([1, 3, 2]);
  });

  it('removes a track with its labelled button', async () => {
    const { api, user } = setup();
    await enterEditMode(user);
    await user.click(screen.getByRole('button', { name: 'Remove Song 2 from playlist' }));
    expect(trackTitles()).toEqual(['Song 1', 'Song 3']);
    await waitFor(() => expect(api.removeTrack).toHaveBeenCalledWith('pl1', 2));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove Song 3 from playlist' }));
  });

  it('puts the server order back when a reorder fails', async () => {
    const { api, user } = setup();
    api.reorderTracks.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'database down'));
    await enterEditMode(user);
    await user.click(screen.getByRole('button', { name: 'Move Song 1 down' }));
    expect(await screen.findByText(/Couldn't reorder/)).toBeInTheDocument();
    await waitFor(() => expect(trackTitles()).toEqual(['Song 1', 'Song 2', 'Song 3']));
  });

  it('adds a track found through "Add tracks"', async () => {
    const { user } = setup();
    await enterEditMode(user);
    await user.click(screen.getByRole('button', { name: '+ Add tracks' }));
    const search = screen.getByRole('searchbox', { name: 'Search tracks by title or artist' });
    expect(search).toHaveFocus();
    await user.type(search, 'song 8');
    const searchRegion = screen.getByRole('region', { name: 'Add tracks' });
    await user.click(await within(searchRegion).findByRole('button', { name: 'Add Song 8 to playlist' }));
    await waitFor(() => expect(trackTitles()).toContain('Song 8'));
    expect(await within(searchRegion).findByText('In playlist')).toBeInTheDocument();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('searchbox')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: '+ Add tracks' })).toHaveFocus();
  });

  describe('announcements: one live region for what an action did', () => {
    const announcer = () => screen.getByTestId('announcer');

    it('is a polite status region that says moves, removals and adds', async () => {
      const { user } = setup();
      await enterEditMode(user);
      expect(announcer()).toHaveAttribute('role', 'status');
      expect(announcer()).toHaveAttribute('aria-live', 'polite');

      await user.click(screen.getByRole('button', { name: 'Move Song 1 down' }));
      expect(announcer()).toHaveTextContent('Moved “Song 1” to position 2 of 3.');
      await user.click(screen.getByRole('button', { name: 'Remove Song 3 from playlist' }));
      expect(announcer()).toHaveTextContent('Removed “Song 3”.');

      const section = await screen.findByRole('region', { name: 'Recommended tracks' });
      await user.click(await within(section).findByRole('button', { name: 'Add Song 3 to playlist' }));
      await waitFor(() => expect(announcer()).toHaveTextContent('Added “Song 3” to the playlist.'));
    });

    it('says an add from the search once, through the same region', async () => {
      const { user } = setup();
      await enterEditMode(user);
      await user.click(screen.getByRole('button', { name: '+ Add tracks' }));
      await user.type(screen.getByRole('searchbox'), 'song 8');
      const searchRegion = screen.getByRole('region', { name: 'Add tracks' });
      await user.click(await within(searchRegion).findByRole('button', { name: 'Add Song 8 to playlist' }));
      await waitFor(() => expect(announcer()).toHaveTextContent('Added “Song 8” to the playlist.'));
      // Not a second time by the search's own status region.
      for (const region of within(searchRegion).queryAllByRole('status')) expect(region).not.toHaveTextContent(/Added/);
    });

    it('changes its text when the same words are said twice, so they are spoken twice', async () => {
      const { user } = setup([track(1, 'Intro'), track(2, 'Intro'), track(3, 'Outro')]);
      await enterEditMode(user);
      const [first] = screen.getAllByRole('button', { name: 'Remove Intro from playlist' });
      await user.click(first);
      const once = announcer().textContent;
      expect(once?.trim()).toBe('Removed “Intro”.');
      await user.click(screen.getByRole('button', { name: 'Remove Intro from playlist' }));
      expect(announcer().textContent?.trim()).toBe('Removed “Intro”.');
      expect(announcer().textContent).not.toBe(once);
    });

    it('says why an action failed instead of what it was meant to do', async () => {
      const { api, user } = setup();
      api.removeTrack.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'database down'));
      await enterEditMode(user);
      await user.click(screen.getByRole('button', { name: 'Remove Song 2 from playlist' }));
      await waitFor(() => expect(announcer()).toHaveTextContent(/Couldn't remove “Song 2”: .+/));
      expect(announcer()).not.toHaveTextContent('Removed');
    });
  });

  it('keeps its headings in order: the playlist, its tracks, then adding and suggestions', async () => {
    const { user } = setup();
    await enterEditMode(user);
    await screen.findByRole('region', { name: 'Recommended tracks' });
    await user.click(screen.getByRole('button', { name: '+ Add tracks' }));
    const levels = screen.getAllByRole('heading').map((h) => [Number(h.tagName.slice(1)), h.textContent]);
    expect(levels).toEqual([
      [1, 'Night drive'],
      [2, 'Tracks'],
      [3, 'Add tracks'],
      [3, 'Recommended tracks'],
    ]);
  });

  it('says when the playlist does not exist', async () => {
    const mem = memoryApi(playlist([]), catalog);
    mem.api.playlist.mockRejectedValue(new ApiError(404, 'not_found', 'no such playlist'));
    render(PlaylistView, { props: { api: mem.api, playlistId: 'nope', me: owner } });
    expect(await screen.findByRole('heading', { name: 'Playlist not found' })).toBeInTheDocument();
  });
});
