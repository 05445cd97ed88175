// The one place that talks HTTP to the Segue API: base URL, bearer token, timeout,
// JSON decoding, and turning `{"error", "detail"}` bodies into a typed ApiError.

import type {
  ErrorOut,
  PlaylistList,
  PlaylistOut,
  PlaylistSummaryOut,
  Recommendations,
  SuggestionOut,
  TrackList,
  TrackOut,
  UserOut,
} from './types';

// The API's bodies under the names the UI uses. The shapes are generated from the server's
// OpenAPI schema (lib/types.ts, `make types`), so they cannot drift from it.
export type Track = TrackOut;
/** A suggested track: a Track with `because` (the playlist track it sounds like) and `audio_url`. */
export type Suggestion = SuggestionOut;
export type Playlist = PlaylistOut;
export type PlaylistSummary = PlaylistSummaryOut;
export type Me = UserOut;
export type { Recommendations };

/** A request that reached the server and was refused, or never got an answer (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly error: string;
  readonly detail: string;

  constructor(status: number, error: string, detail: string) {
    super(detail || error);
    this.name = 'ApiError';
    this.status = status;
    this.error = error;
    this.detail = detail;
  }

  /** True when signing in again is the fix (missing, wrong or revoked token). */
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

export interface ApiOptions {
  /** Prefix for every path; '' means the page's own origin, which is how `segue serve` runs. */
  baseUrl?: string;
  /** Read on each request, so a token stored after start-up is used at once. */
  getToken: () => string | null;
  fetch?: typeof fetch;
  /** Per request; the UI shows an error rather than spinning forever on a stuck server. */
  timeoutMs?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface RecommendationOptions extends RequestOptions {
  /** How many of the ranking to skip: `offset + limit` asks for the next page. */
  offset?: number;
}

/** Everything the UI asks of the server. Components take the parts they use. */
export interface SegueApi {
  me(opts?: RequestOptions): Promise<Me>;
  /** Revoke the token this client signs with (POST /auth/logout); drop it locally after. */
  logout(opts?: RequestOptions): Promise<void>;
  myPlaylists(opts?: RequestOptions): Promise<PlaylistSummary[]>;
  playlist(id: string, opts?: RequestOptions): Promise<Playlist>;
  createPlaylist(name: string, opts?: RequestOptions): Promise<Playlist>;
  addTrack(playlistId: string, trackId: number, opts?: RequestOptions): Promise<Playlist>;
  removeTrack(playlistId: string, trackId: number, opts?: RequestOptions): Promise<Playlist>;
  reorderTracks(playlistId: string, trackIds: number[], opts?: RequestOptions): Promise<Playlist>;
  searchTracks(query: string, limit?: number, opts?: RequestOptions): Promise<Track[]>;
  recommendations(playlistId: string, limit?: number, opts?: RecommendationOptions): Promise<Recommendations>;
  /** "Not for this playlist": never suggested for it again (until undone). */
  dismiss(playlistId: string, trackId: number, opts?: RequestOptions): Promise<void>;
  /** Undo a dismissal. */
  undismiss(playlistId: string, trackId: number, opts?: RequestOptions): Promise<void>;
  /** What to play after a playlist: any signed-in listener, any visible playlist. */
  continuation(playlistId: string, limit?: number, opts?: RecommendationOptions): Promise<Recommendations>;
  /** Tracks that sound like one track. */
  similar(trackId: number, limit?: number, opts?: RecommendationOptions): Promise<Recommendations>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Build the client: `const api = createApi({ getToken })`, then `await api.playlist(id)`.
 * Every method rejects with ApiError (never a raw TypeError or SyntaxError), except when
 * the caller's own signal aborts it, which rejects with that signal's AbortError.
 */
export function createApi(options: ApiOptions): SegueApi {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Bound once: calling window.fetch detached from window throws "Illegal invocation".
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request<T>(method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = options.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';

    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = opts?.signal ? anySignal([opts.signal, timeout.signal]) : timeout.signal;

    let response: Response;
    try {
      response = await doFetch(baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (opts?.signal?.aborted) throw opts.signal.reason ?? err;
      if (timeout.signal.aborted) {
        throw new ApiError(0, 'timeout', 'The server took too long to answer.');
      }
      // fetch rejects with a TypeError for network failures (server down, offline).
      throw new ApiError(0, 'network', 'Could not reach the server.');
    } finally {
      clearTimeout(timer);
    }

    // 204 No Content (POST /auth/logout): success with nothing to read.
    if (response.status === 204) return undefined as T;
    const payload = await readJson(response);
    if (!response.ok) throw errorFrom(response, payload);
    if (response.status === 204) return undefined as T; // no content, by design
    if (payload === undefined) {
      throw new ApiError(response.status, 'bad_response', 'The server sent an answer that is not JSON.');
    }
    return payload as T;
  }

  const enc = encodeURIComponent;
  return {
    me: (opts) => request<Me>('GET', '/me', undefined, opts),
    logout: (opts) => request<void>('POST', '/auth/logout', undefined, opts),
    myPlaylists: async (opts) =>
      (await request<PlaylistList>('GET', '/me/playlists', undefined, opts)).playlists,
    playlist: (id, opts) => request<Playlist>('GET', `/playlists/${enc(id)}`, undefined, opts),
    createPlaylist: (name, opts) => request<Playlist>('POST', '/playlists', { name }, opts),
    addTrack: (playlistId, trackId, opts) =>
      request<Playlist>('POST', `/playlists/${enc(playlistId)}/tracks`, { track_id: trackId }, opts),
    removeTrack: (playlistId, trackId, opts) =>
      request<Playlist>('DELETE', `/playlists/${enc(playlistId)}/tracks/${enc(String(trackId))}`, undefined, opts),
    reorderTracks: (playlistId, trackIds, opts) =>
      request<Playlist>('PUT', `/playlists/${enc(playlistId)}/tracks`, { track_ids: trackIds }, opts),
    searchTracks: async (query, limit = 20, opts) => {
      const qs = new URLSearchParams({ q: query, limit: String(limit) });
      return (await request<TrackList>('GET', `/tracks?${qs}`, undefined, opts)).tracks;
    },
    recommendations: (playlistId, limit = 3, opts) => {
      const qs = new URLSearchParams({ limit: String(limit) });
      if (opts?.offset) qs.set('offset', String(opts.offset));
      return request<Recommendations>('GET', `/playlists/${enc(playlistId)}/recommendations?${qs}`, undefined, opts);
    },
    continuation: (playlistId, limit = 3, opts) => {
      const qs = new URLSearchParams({ limit: String(limit) });
      if (opts?.offset) qs.set('offset', String(opts.offset));
      return request<Recommendations>('GET', `/playlists/${enc(playlistId)}/continuation?${qs}`, undefined, opts);
    },
    similar: (trackId, limit = 3, opts) => {
      const qs = new URLSearchParams({ limit: String(limit) });
      if (opts?.offset) qs.set('offset', String(opts.offset));
      return request<Recommendations>('GET', `/tracks/${enc(String(trackId))}/similar?${qs}`, undefined, opts);
    },
    dismiss: (playlistId, trackId, opts) =>
      request<void>('POST', `/playlists/${enc(playlistId)}/recommendations/dismissed`, { track_id: trackId }, opts),
    undismiss: (playlistId, trackId, opts) =>
      request<void>(
        'DELETE',
        `/playlists/${enc(playlistId)}/recommendations/dismissed/${enc(String(trackId))}`,
        undefined,
        opts,
      ),
  };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML error page, say: the caller reports the status instead.
    return undefined;
  }
}

function errorFrom(response: Response, payload: unknown): ApiError {
  const fallback = response.statusText || `HTTP ${response.status}`;
  if (payload && typeof payload === 'object') {
    const { error, detail } = payload as Partial<Record<keyof ErrorOut, unknown>>;
    return new ApiError(
      response.status,
      typeof error === 'string' ? error : `http_${response.status}`,
      describeDetail(detail) || fallback,
    );
  }
  return new ApiError(response.status, `http_${response.status}`, fallback);
}

// The service documents a string detail; validation errors may arrive as a list of
// {msg} objects (FastAPI's shape), so those are flattened to readable text too.
function describeDetail(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => (d && typeof d === 'object' && 'msg' in d ? String((d as { msg: unknown }).msg) : String(d)))
      .join('; ');
  }
  return '';
}

// AbortSignal.any is missing from some runtimes the tests run in; this does the same.
function anySignal(signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/** Text fit for the page for anything a request threw: `errorMessage(err)`. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'You are not signed in, or your token is no longer valid.';
    if (err.status === 403) return 'Only the owner of this playlist can do that.';
    if (err.status === 503) return 'The service is temporarily unavailable. Please try again shortly.';
    return err.message;
  }
  return 'Something went wrong.';
}

/** True for the AbortError a cancelled request rejects with (not a failure to report). */
export function isAbort(err: unknown): boolean {
  // By name, not instanceof: test environments bring their own DOMException class.
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
