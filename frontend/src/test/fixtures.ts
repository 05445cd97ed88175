// Test data and helpers shared by the component tests.
import { vi } from 'vitest';
import type { SegueApi } from '../lib/api';
import type { Me, Playlist, Recommendations, Suggestion, Track } from '../lib/api';

export function track(id: number, title = `Track ${id}`): Track {
  return {
    id,
    title,
    artist_handle: `artist${id}.test`,
    artist_display_name: `Artist ${id}`,
    image_url: null,
  };
}

/** A suggested track: `track(id, title)` with why it was suggested and its preview, if any. */
export function suggestion(id: number, title = `Track ${id}`, extra: Partial<Suggestion> = {}): Suggestion {
  return { ...track(id, title), because: null, audio_url: null, ...extra };
}

export const owner: Me = { did: 'did:plc:owner', handle: 'owner.test', display_name: 'Owner' };
export const stranger: Me = { did: 'did:plc:stranger', handle: 'stranger.test', display_name: null };

export function playlist(tracks: Track[], overrides: Partial<Playlist> = {}): Playlist {
  return {
    id: 'pl1',
    name: 'Night drive',
    owner_did: owner.did,
    record_cid: `bafyrei${tracks.map((t) => t.id).join('x')}`,
    tracks,
    ...overrides,
  };
}

/** A promise the test settles by hand, to look at the page while a request is pending. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * An in-memory stand-in for the API client (the HTTP client itself is tested in
 * api.test.ts): a playlist, a catalog, and recommendations that are the catalog's
 * tracks not yet in the playlist nor dismissed, `limit` of them after `offset`.
 */
export function memoryApi(initial: Playlist, catalog: Track[], { available = true } = {}) {
  let current = structuredClone(initial);
  const dismissed = new Set<number>();
  const answer = (): Playlist => structuredClone(current);
  const rev = () => `bafyrei${current.tracks.map((t) => t.id).join('x')}`;
  const api = {
    me: vi.fn(async () => owner),
    logout: vi.fn(async () => undefined),
    myPlaylists: vi.fn(async () => []),
    createPlaylist: vi.fn(async (name: string) => playlist([], { id: 'new', name })),
    playlist: vi.fn(async () => answer()),
    addTrack: vi.fn(async (_id: string, trackId: number) => {
      const t = catalog.find((c) => c.id === trackId);
      if (!t) throw new Error(`no track ${trackId}`);
      current = { ...current, tracks: [...current.tracks, t] };
      current.record_cid = rev();
      return answer();
    }),
    removeTrack: vi.fn(async (_id: string, trackId: number) => {
      current = { ...current, tracks: current.tracks.filter((t) => t.id !== trackId) };
      current.record_cid = rev();
      return answer();
    }),
    reorderTracks: vi.fn(async (_id: string, ids: number[]) => {
      const byId = new Map(current.tracks.map((t) => [t.id, t]));
      current = { ...current, tracks: ids.map((i) => byId.get(i)!) };
      current.record_cid = rev();
      return answer();
    }),
    searchTracks: vi.fn(async (q: string) => catalog.filter((t) => t.title.toLowerCase().includes(q.toLowerCase()))),
    recommendations: vi.fn(
      async (_id: string, limit = 3, opts: { offset?: number } = {}): Promise<Recommendations> => {
        if (!available || current.tracks.length === 0) return { tracks: [], available: false, more: false };
        const inIt = new Set(current.tracks.map((t) => t.id));
        const ranked = catalog.filter((t) => !inIt.has(t.id) && !dismissed.has(t.id));
        const start = opts.offset ?? 0;
        return {
          tracks: ranked.slice(start, start + limit).map((t) => ({ ...t, because: null, audio_url: null })),
          available: true,
          more: ranked.length > start + limit,
        };
      },
    ),
    continuation: vi.fn(
      async (_id: string, limit = 3, opts: { offset?: number } = {}): Promise<Recommendations> =>
        api.recommendations(_id, limit, opts),
    ),
    similar: vi.fn(
      async (): Promise<Recommendations> => ({ tracks: [], available: false, more: false }),
    ),
    dismiss: vi.fn(async (_id: string, trackId: number) => {
      dismissed.add(trackId);
    }),
    undismiss: vi.fn(async (_id: string, trackId: number) => {
      dismissed.delete(trackId);
    }),
  } satisfies SegueApi;
  return { api, state: () => current };
}
