// A tiny History-API router: three routes do not justify a routing library. The server's
// SPA fallback hands every UI path to index.html; this decides which page to show.

export type Route =
  | { name: 'home' }
  | { name: 'login'; token: string | null }
  | { name: 'playlist'; id: string }
  | { name: 'not-found'; path: string };

/**
 * Map a location to a route: `matchRoute('/playlist/abc', '')` is `{name: 'playlist', id: 'abc'}`.
 * A sign-in link carries its token in the fragment (`/login#token=...`), which browsers never
 * send to the server; a `?token=` in the query is ignored, so such a link signs nobody in.
 */
export function matchRoute(pathname: string, hash: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/login') {
    const token = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : '').get('token');
    return { name: 'login', token: token && token.trim() ? token.trim() : null };
  }
  const playlist = /^\/playlist\/([^/]+)$/.exec(path);
  if (playlist) {
    try {
      return { name: 'playlist', id: decodeURIComponent(playlist[1]) };
    } catch {
      // A malformed percent-escape cannot name a playlist.
      return { name: 'not-found', path };
    }
  }
  return { name: 'not-found', path };
}

/**
 * The route of the current location. A sign-in link's token is taken out of the address at
 * once (history.replaceState, so neither the address bar nor the back button keeps it);
 * the route object keeps it for the sign-in page.
 */
function currentRoute(): Route {
  const route = matchRoute(location.pathname, location.hash);
  // An old `?token=` link is scrubbed too, though it signs nobody in.
  if (route.name === 'login' && (location.hash || location.search)) {
    history.replaceState(history.state, '', '/login');
  }
  return route;
}

class Router {
  route = $state<Route>(currentRoute());

  constructor() {
    window.addEventListener('popstate', () => this.sync());
  }

  /** Go to `path` without a page load; `replace` keeps it out of the back-button history. */
  navigate(path: string, { replace = false } = {}): void {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.sync();
    window.scrollTo?.(0, 0);
  }

  sync(): void {
    this.route = currentRoute();
  }
}

export const router = new Router();

/**
 * onclick for in-app links: `<a href="/" onclick={followLink}>`. Leaves modified clicks
 * (new tab, download) to the browser.
 */
export function followLink(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (anchor.origin !== location.origin) return;
  event.preventDefault();
  router.navigate(anchor.pathname + anchor.search);
}

export function playlistPath(id: string): string {
  return `/playlist/${encodeURIComponent(id)}`;
}
