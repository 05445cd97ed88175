import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../lib/api';
import type { Recommendations, Track } from '../lib/api';
import { deferred, suggestion as track } from '../test/fixtures';
import RecommendationList from './RecommendationList.svelte';

type RecFn = (id: string, limit?: number, opts?: { signal?: AbortSignal; offset?: number }) => Promise<Recommendations>;

function setup(
  recommendations: RecFn,
  onAdd: (t: Track) => Promise<void> = async () => {},
  version = 'v1',
  dismissals: { dismiss?: () => Promise<void>; undismiss?: () => Promise<void> } = {},
) {
  const api = {
    recommendations: vi.fn(recommendations),
    dismiss: vi.fn(dismissals.dismiss ?? (async () => {})),
    undismiss: vi.fn(dismissals.undismiss ?? (async () => {})),
  };
  const add = vi.fn(onAdd);
  const onAvailable = vi.fn();
  const result = render(RecommendationList, {
    props: { api, playlistId: 'pl1', version, onAdd: add, onAvailable },
  });
  return { api, add, onAvailable, ...result };
}

describe('RecommendationList', () => {
  it('shows nothing while the first request is pending, then the section if available', async () => {
    const pending = deferred<Recommendations>();
    const { api, container, onAvailable } = setup(() => pending.promise);
    await waitFor(() => expect(api.recommendations).toHaveBeenCalledTimes(1));

    // The section may not exist at all: no heading, no "Finding tracks" meanwhile.
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
    expect(container.textContent?.trim()).toBe('');
    expect(onAvailable).not.toHaveBeenCalled();

    pending.resolve({ tracks: [track(7, 'Tidal')], available: true, more: false });
    const section = await screen.findByRole('region', { name: 'Recommended tracks' });
    await within(section).findByRole('button', { name: 'Add Tidal to playlist' });
    expect(section).toHaveAttribute('aria-busy', 'false');
    expect(onAvailable).toHaveBeenCalledTimes(1);
  });

  it('never shows "Recommended" when the pending answer turns out available: false', async () => {
    const pending = deferred<Recommendations>();
    const { container, onAvailable } = setup(() => pending.promise);
    const seen: string[] = [];
    const observer = new MutationObserver(() => seen.push(container.textContent ?? ''));
    observer.observe(container, { childList: true, subtree: true, characterData: true });
    seen.push(container.textContent ?? '');

    await new Promise((r) => setTimeout(r, 20));
    pending.resolve({ tracks: [], available: false, more: false });
    await pending.promise;
    await new Promise((r) => setTimeout(r, 20));
    observer.disconnect();

    expect(seen.join(' ')).not.toMatch(/Recommended|Finding tracks/);
    expect(container.textContent?.trim()).toBe('');
    expect(onAvailable).not.toHaveBeenCalled();
  });

  it('keeps the section with a polite loading state while fetching again', async () => {
    const again = deferred<Recommendations>();
    const answers = [Promise.resolve({ tracks: [track(7, 'Tidal')], available: true, more: false }), again.promise];
    const { rerender } = setup(() => answers.shift()!);
    const section = await screen.findByRole('region', { name: 'Recommended tracks' });
    await within(section).findByRole('button', { name: 'Add Tidal to playlist' });

    await rerender({ version: 'v2' });

    // Known to exist now: the section stays and says it is loading.
    await waitFor(() => expect(section).toHaveAttribute('aria-busy', 'true'));
    expect(section).toBeInTheDocument();
    const status = within(section).getByRole('status');
    expect(status).toHaveAttribute('aria-live', 'polite');
    expect(status).toHaveTextContent('Finding tracks that fit');

    again.resolve({ tracks: [track(8, 'Undertow')], available: true, more: false });
    await within(section).findByRole('button', { name: 'Add Undertow to playlist' });
    expect(section).toHaveAttribute('aria-busy', 'false');
    expect(status).not.toHaveTextContent('Finding tracks');
  });

  it('asks for three recommendations of the given playlist', async () => {
    const { api } = setup(async () => ({ tracks: [], available: true, more: false }));
    await waitFor(() => expect(api.recommendations).toHaveBeenCalledTimes(1));
    expect(api.recommendations.mock.calls[0][0]).toBe('pl1');
    expect(api.recommendations.mock.calls[0][1]).toBe(3);
  });

  it('renders each track as a dashed recommendation card with a labelled "+" button', async () => {
    setup(async () => ({ tracks: [track(1, 'Ambient Waves'), track(2, 'Low Tide')], available: true, more: false }));

    const buttons = await screen.findAllByRole('button', { name: /^Add .* to playlist$/ });
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual([
      'Add Ambient Waves to playlist',
      'Add Low Tide to playlist',
    ]);
    for (const button of buttons) {
      expect(button).toHaveTextContent('+');
      const card = button.closest('.track-card');
      expect(card).toHaveClass('track-card--recommendation');
      expect(card).not.toHaveClass('track-card--playlist');
    }
    expect(screen.getByText('Ambient Waves')).toBeInTheDocument();
    expect(screen.getByText('Artist 1')).toBeInTheDocument();
  });

  it('renders nothing at all when the API answers available: false', async () => {
    const { api, container } = setup(async () => ({ tracks: [], available: false, more: false }));
    await waitFor(() => expect(api.recommendations).toHaveBeenCalled());
    await waitFor(() => expect(screen.queryByTestId('recommendations')).not.toBeInTheDocument());
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
    expect(container.textContent?.trim()).toBe('');
  });

  it('says so politely when there are no recommendations but the feature is available', async () => {
    setup(async () => ({ tracks: [], available: true, more: false }));
    expect(await screen.findByText('No recommendations right now.')).toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('shows an error politely and fetches again on "Try again"', async () => {
    let calls = 0;
    const { api } = setup(async () => {
      calls += 1;
      if (calls === 1) throw new ApiError(503, 'unavailable', 'database down');
      return { tracks: [track(3, 'Second Wind')], available: true, more: false };
    });

    const status = await screen.findByText(/Couldn't load recommendations/);
    expect(status.closest('[role="status"]')).toHaveAttribute('aria-live', 'polite');
    expect(status).toHaveTextContent('temporarily unavailable');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByRole('button', { name: 'Add Second Wind to playlist' })).toBeInTheDocument();
    expect(api.recommendations).toHaveBeenCalledTimes(2);
    expect(screen.queryByText(/Couldn't load/)).not.toBeInTheDocument();
  });

  it('clicking "+" calls add with the track, then fetches again', async () => {
    const answers: Recommendations[] = [
      { tracks: [track(1, 'One'), track(2, 'Two')], available: true, more: false },
      { tracks: [track(2, 'Two'), track(3, 'Three')], available: true, more: false },
    ];
    const { api, add } = setup(async () => answers.shift()!);

    await userEvent.click(await screen.findByRole('button', { name: 'Add One to playlist' }));

    expect(add).toHaveBeenCalledTimes(1);
    expect(add.mock.calls[0][0]).toMatchObject({ id: 1, title: 'One' });
    await screen.findByRole('button', { name: 'Add Three to playlist' });
    expect(api.recommendations).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole('button', { name: 'Add One to playlist' })).not.toBeInTheDocument();
  });

  it('fetches once more when the parent passes a new version after the add', async () => {
    const { api, rerender } = setup(async () => ({ tracks: [track(1, 'One')], available: true, more: false }));
    await screen.findByRole('button', { name: 'Add One to playlist' });

    await rerender({ version: 'v2' });

    await waitFor(() => expect(api.recommendations).toHaveBeenCalledTimes(2));
    // Give a stray second re-fetch the chance to happen before checking it did not.
    await new Promise((r) => setTimeout(r, 20));
    expect(api.recommendations).toHaveBeenCalledTimes(2);
  });

  it('ignores the answer of a request overtaken by a newer one', async () => {
    const first = deferred<Recommendations>();
    const second = deferred<Recommendations>();
    const queue = [first, second];
    const signals: AbortSignal[] = [];
    const { rerender } = setup((_id, _limit, opts) => {
      signals.push(opts!.signal!);
      return queue.shift()!.promise;
    });

    await rerender({ version: 'v2' });
    await waitFor(() => expect(signals).toHaveLength(2));
    expect(signals[0].aborted).toBe(true);
    second.resolve({ tracks: [track(9, 'Fresh')], available: true, more: false });
    first.resolve({ tracks: [track(8, 'Stale')], available: true, more: false });

    await screen.findByRole('button', { name: 'Add Fresh to playlist' });
    await new Promise((r) => setTimeout(r, 10));
    expect(screen.queryByText('Stale')).not.toBeInTheDocument();
  });

  it('shows why an add failed and keeps the list', async () => {
    const { api } = setup(
      async () => ({ tracks: [track(1, 'One')], available: true, more: false }),
      async () => {
        throw new ApiError(409, 'conflict', 'track 1 is already in the playlist');
      },
    );

    await userEvent.click(await screen.findByRole('button', { name: 'Add One to playlist' }));

    expect(await screen.findByText(/Couldn't add “One”: track 1 is already in the playlist/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add One to playlist' })).toBeEnabled();
    expect(api.recommendations).toHaveBeenCalledTimes(1);
  });

  it('disables the "+" buttons while an add is in flight', async () => {
    const adding = deferred<void>();
    setup(
      async () => ({ tracks: [track(1, 'One'), track(2, 'Two')], available: true, more: false }),
      () => adding.promise,
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Add One to playlist' }));
    expect(screen.getByRole('button', { name: 'Add Two to playlist' })).toBeDisabled();
    adding.resolve();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Add One to playlist' })).toBeNull());
  });

  it('aborts its request when removed from the page (leaving edit mode)', async () => {
    const signals: AbortSignal[] = [];
    const { unmount } = setup((_id, _limit, opts) => {
      signals.push(opts!.signal!);
      return new Promise(() => {});
    });
    await waitFor(() => expect(signals).toHaveLength(1));
    unmount();
    expect(signals[0].aborted).toBe(true);
  });

  it('says which playlist track each suggestion sounds like', async () => {
    setup(async () => ({
      tracks: [track(1, 'One', { because: { track_id: 40, title: 'Night Drive' } }), track(2, 'Two')],
      available: true,
      more: false,
    }));
    const first = (await screen.findByRole('button', { name: 'Add One to playlist' })).closest('.track-card')!;
    expect(first).toHaveTextContent('sounds like Night Drive');
    const second = screen.getByRole('button', { name: 'Add Two to playlist' }).closest('.track-card')!;
    expect(second).not.toHaveTextContent('sounds like');
  });

  it('dismisses with ✕, shows the next page of the new ranking, and undoes', async () => {
    const answers: Recommendations[] = [
      { tracks: [track(1, 'One'), track(2, 'Two')], available: true, more: true },
      { tracks: [track(1, 'One'), track(3, 'Three')], available: true, more: true },
      { tracks: [track(1, 'One'), track(2, 'Two')], available: true, more: true },
    ];
    const { api } = setup(async () => answers.shift()!);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Not for this playlist: Two' }));

    expect(api.dismiss).toHaveBeenCalledWith('pl1', 2);
    await screen.findByRole('button', { name: 'Add Three to playlist' });
    expect(api.recommendations).toHaveBeenCalledTimes(2);
    expect(api.recommendations.mock.calls[1][2]).toMatchObject({ offset: 0 });
    expect(screen.getByText('“Two” won\'t be suggested for this playlist.')).toBeInTheDocument();
    const undo = screen.getByRole('button', { name: 'Undo' });
    expect(undo).toHaveFocus(); // the ✕ pressed is gone: focus goes where the undo is
    expect(undo).toHaveAccessibleDescription('“Two” won\'t be suggested for this playlist.');

    await user.keyboard('{Enter}');

    expect(api.undismiss).toHaveBeenCalledWith('pl1', 2);
    await screen.findByRole('button', { name: 'Add Two to playlist' });
    expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('“Two” may be suggested again.');
  });

  it('keeps the card and says why when a dismissal fails', async () => {
    const { api } = setup(
      async () => ({ tracks: [track(1, 'One')], available: true, more: false }),
      undefined,
      undefined,
      {
        dismiss: async () => {
          throw new ApiError(422, 'invalid_input', 'a playlist keeps at most 500 dismissed suggestions');
        },
      },
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Not for this playlist: One' }));
    expect(await screen.findByText(/Couldn't dismiss “One”: a playlist keeps at most 500/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add One to playlist' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();
    expect(api.recommendations).toHaveBeenCalledTimes(1);
  });

  it('"Show others" asks for the next page, and says when there are no more', async () => {
    const pages: Record<number, Recommendations> = {
      0: { tracks: [track(1), track(2), track(3)], available: true, more: true },
      3: { tracks: [track(4), track(5)], available: true, more: false },
    };
    const { api } = setup(async (_id, _limit, opts) => pages[opts?.offset ?? 0]);
    const user = userEvent.setup();
    await screen.findByRole('button', { name: 'Add Track 1 to playlist' });
    expect(screen.queryByText(/last suggestions/)).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Show others' }));

    await screen.findByRole('button', { name: 'Add Track 4 to playlist' });
    expect(api.recommendations.mock.calls.map((c) => c[2]?.offset)).toEqual([0, 3]);
    expect(screen.queryByRole('button', { name: 'Add Track 1 to playlist' })).not.toBeInTheDocument();
    expect(screen.getByText('These are the last suggestions for this playlist.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Show others' })).not.toBeInTheDocument();

    const back = screen.getByRole('button', { name: 'Back to the first' });
    expect(back).toHaveFocus(); // "Show others" went away with the last page
    await user.click(back);
    await screen.findByRole('button', { name: 'Add Track 1 to playlist' });
    expect(api.recommendations.mock.calls.map((c) => c[2]?.offset)).toEqual([0, 3, 0]);
  });

  it('says so when a next page turns out empty', async () => {
    const pages: Record<number, Recommendations> = {
      0: { tracks: [track(1)], available: true, more: true },
      3: { tracks: [], available: true, more: false },
    };
    setup(async (_id, _limit, opts) => pages[opts?.offset ?? 0]);
    await userEvent.click(await screen.findByRole('button', { name: 'Show others' }));
    expect(await screen.findByText('No more suggestions: you have seen them all.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Back to the first' })).toBeInTheDocument();
  });

  it('starts from the first page again when the playlist changes', async () => {
    const { api, rerender } = setup(async () => ({ tracks: [track(1)], available: true, more: true }));
    await userEvent.click(await screen.findByRole('button', { name: 'Show others' }));
    await waitFor(() => expect(api.recommendations).toHaveBeenCalledTimes(2));
    await rerender({ version: 'v2' });
    await waitFor(() => expect(api.recommendations).toHaveBeenCalledTimes(3));
    expect(api.recommendations.mock.calls.map((c) => c[2]?.offset)).toEqual([0, 3, 0]);
  });
});

describe('RecommendationList previews', () => {
  const play = vi.spyOn(window.HTMLMediaElement.prototype, 'play');
  const pause = vi.spyOn(window.HTMLMediaElement.prototype, 'pause');

  afterEach(() => {
    cleanup();
    play.mockReset();
    pause.mockReset();
  });

  it('plays one preview at a time, from the keyboard too, and has no control without one', async () => {
    play.mockResolvedValue(undefined);
    pause.mockImplementation(() => {});
    setup(async () => ({
      tracks: [
        track(1, 'One', { audio_url: '/previews/1.mp3' }),
        track(2, 'Two', { audio_url: '/previews/2.mp3' }),
        track(3, 'Three'),
      ],
      available: true,
      more: false,
    }));
    const user = userEvent.setup();
    const first = await screen.findByRole('button', { name: 'Play preview of One' });
    expect(screen.queryByRole('button', { name: /preview of Three/ })).not.toBeInTheDocument();

    first.focus();
    await user.keyboard('{Enter}');
    expect(play).toHaveBeenCalledTimes(1);
    expect((play.mock.contexts[0] as HTMLAudioElement).src).toMatch(/\/previews\/1\.mp3$/);
    expect(first).toHaveAccessibleName('Pause preview of One');

    await user.click(screen.getByRole('button', { name: 'Play preview of Two' }));
    expect((play.mock.contexts[1] as HTMLAudioElement).src).toMatch(/\/previews\/2\.mp3$/);
    expect(first).toHaveAccessibleName('Play preview of One'); // the other one stopped
    expect(screen.getByRole('button', { name: 'Pause preview of Two' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Pause preview of Two' }));
    expect(pause).toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Play preview of Two' })).toBeInTheDocument();
  });

  it('goes back to "Play" when the browser refuses to play', async () => {
    play.mockRejectedValue(new DOMException('not allowed', 'NotAllowedError'));
    setup(async () => ({
      tracks: [track(1, 'One', { audio_url: 'http://127.0.0.1/previews/1.mp3' })],
      available: true,
      more: false,
    }));
    const button = await screen.findByRole('button', { name: 'Play preview of One' });
    await userEvent.click(button);
    await waitFor(() => expect(button).toHaveAccessibleName('Play preview of One'));
    expect(button).toHaveAttribute('title', "Couldn't play the preview");
  });
});
