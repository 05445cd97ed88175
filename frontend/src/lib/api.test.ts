import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, errorMessage, isAbort } from './api';

type Call = { url: string; init: RequestInit };

function fakeFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const call = { url: String(url), init: init ?? {} };
    calls.push(call);
    return respond(call);
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('createApi', () => {
  it('sends the bearer token read at request time, and decodes JSON', async () => {
    let token: string | null = null;
    const { fetch, calls } = fakeFetch(() => json({ did: 'did:plc:a', handle: 'a.test', display_name: null }));
    const api = createApi({ getToken: () => token, fetch });

    token = 'tok-123';
    const me = await api.me();

    expect(me.handle).toBe('a.test');
    expect(calls[0].url).toBe('/me');
    expect(calls[0].init.method).toBe('GET');
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer tok-123');
  });

  it('signs out with POST /auth/logout and its token, reading the 204 as success', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 204 }));
    await expect(createApi({ getToken: () => 'tok-9', fetch }).logout()).resolves.toBeUndefined();
    expect(calls[0].url).toBe('/auth/logout');
    expect(calls[0].init.method).toBe('POST');
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer tok-9');
  });

  it('omits the Authorization header when signed out', async () => {
    const { fetch, calls } = fakeFetch(() => json({ playlists: [] }));
    await createApi({ getToken: () => null, fetch }).myPlaylists();
    expect(calls[0].init.headers).not.toHaveProperty('Authorization');
  });

  it('builds each endpoint of issue 3 with its method, path and body', async () => {
    const pl = { id: 'p/1', name: 'n', owner_did: 'd', record_cid: 'c', tracks: [] };
    const { fetch, calls } = fakeFetch((c) =>
      c.url.includes('/dismissed')
        ? new Response(null, { status: 204 })
        : c.url.includes('/tracks?') || /recommendations|continuation|similar/.test(c.url)
          ? json({ tracks: [], available: true, more: false })
          : json(pl, c.init.method === 'POST' && c.url === '/base/playlists' ? 201 : 200),
    );
    const api = createApi({ getToken: () => 't', fetch, baseUrl: '/base/' });

    await api.playlist('p/1');
    await api.createPlaylist('Road trip');
    await api.addTrack('p/1', 5);
    await api.removeTrack('p/1', 5);
    await api.reorderTracks('p/1', [3, 1, 2]);
    await api.searchTracks('a&b c', 7);
    await api.recommendations('p/1');
    await api.recommendations('p/1', 10);
    await api.recommendations('p/1', 3, { offset: 6 });
    expect(await api.dismiss('p/1', 8)).toBeUndefined();
    expect(await api.undismiss('p/1', 8)).toBeUndefined();
    await api.continuation('p/1', 4);
    await api.similar(12, 3, { offset: 3 });

    expect(calls.map((c) => `${c.init.method} ${c.url} ${c.init.body ?? ''}`.trim())).toEqual([
      'GET /base/playlists/p%2F1',
      'POST /base/playlists {"name":"Road trip"}',
      'POST /base/playlists/p%2F1/tracks {"track_id":5}',
      'DELETE /base/playlists/p%2F1/tracks/5',
      'PUT /base/playlists/p%2F1/tracks {"track_ids":[3,1,2]}',
      'GET /base/tracks?q=a%26b+c&limit=7',
      'GET /base/playlists/p%2F1/recommendations?limit=3',
      'GET /base/playlists/p%2F1/recommendations?limit=10',
      'GET /base/playlists/p%2F1/recommendations?limit=3&offset=6',
      'POST /base/playlists/p%2F1/recommendations/dismissed {"track_id":8}',
      'DELETE /base/playlists/p%2F1/recommendations/dismissed/8',
      'GET /base/playlists/p%2F1/continuation?limit=4',
      'GET /base/tracks/12/similar?limit=3&offset=3',
    ]);
    expect((calls[1].init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('turns an {"error", "detail"} body into an ApiError with its status', async () => {
    const { fetch } = fakeFetch(() => json({ error: 'conflict', detail: 'track 5 is already in it' }, 409));
    const err = await createApi({ getToken: () => 't', fetch })
      .addTrack('p', 5)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, error: 'conflict', detail: 'track 5 is already in it' });
    expect((err as ApiError).message).toBe('track 5 is already in it');
  });

  it('flattens a list of validation messages into the detail', async () => {
    const { fetch } = fakeFetch(() =>
      json({ error: 'invalid_input', detail: [{ msg: 'limit must be <= 10' }, { msg: 'q is required' }] }, 422),
    );
    const err = (await createApi({ getToken: () => 't', fetch })
      .recommendations('p', 50)
      .catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(422);
    expect(err.detail).toBe('limit must be <= 10; q is required');
  });

  it('reports a non-JSON error page by its status', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const err = (await createApi({ getToken: () => 't', fetch })
      .me()
      .catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 502, error: 'http_502', detail: 'Bad Gateway' });
  });

  it('rejects a successful answer that is not JSON', async () => {
    const { fetch } = fakeFetch(() => new Response('<!doctype html>', { status: 200 }));
    const err = await createApi({ getToken: () => 't', fetch })
      .me()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 200, error: 'bad_response' });
  });

  it('reports an unreachable server as ApiError status 0', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof globalThis.fetch;
    const err = await createApi({ getToken: () => 't', fetch })
      .me()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, error: 'network' });
  });

  it('gives up after the timeout', async () => {
    const fetch = vi.fn(
      (_url: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    ) as unknown as typeof globalThis.fetch;
    const err = await createApi({ getToken: () => 't', fetch, timeoutMs: 20 })
      .me()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, error: 'timeout' });
  });

  it("passes the caller's abort through as an AbortError, not an ApiError", async () => {
    const fetch = vi.fn(
      (_url: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    ) as unknown as typeof globalThis.fetch;
    const controller = new AbortController();
    const pending = createApi({ getToken: () => 't', fetch }).me({ signal: controller.signal });
    controller.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApiError);
    expect(isAbort(err)).toBe(true);
  });
});

describe('errorMessage', () => {
  it('explains auth, ownership and outages in words', () => {
    expect(errorMessage(new ApiError(401, 'unauthorized', 'bad token'))).toMatch(/not signed in/);
    expect(errorMessage(new ApiError(403, 'forbidden', 'x'))).toMatch(/owner/);
    expect(errorMessage(new ApiError(503, 'unavailable', 'x'))).toMatch(/temporarily unavailable/);
    expect(errorMessage(new ApiError(404, 'not_found', 'no playlist abc'))).toBe('no playlist abc');
    expect(errorMessage(new Error('boom'))).toBe('Something went wrong.');
  });
});
