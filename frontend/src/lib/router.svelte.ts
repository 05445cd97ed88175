// A tiny History-API router: three routes do not justify a routing library. The server's
// SPA fallback hands every UI path to index.html; this decides which page to show.

export type Route =
  | { name: 'home' }
  | { name: 'login'; token: string | null }
  | { name: 'playlist'; id: string }
  | { name: 'not-found'; path: string };

/** Map a location to a route: `matchRoute('/playlist/abc', '')` is `{name: 'playlist', id: 'abc'}`. */
export function matchRoute(pathname: string, search: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/login') return { name: 'login', token: new URLSearchParams(search).get('token') };
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

class Router {
  route = $state<Route>(matchRoute(location.pathname, location.search));

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
    this.route = matchRoute(location.pathname, location.search);
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
