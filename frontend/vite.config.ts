import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// `segue serve` serves dist/ at the site root with an SPA fallback, so assets are
// referenced from "/" (a relative base would break on /playlist/{id}).
export default defineConfig({
  base: '/',
  plugins: [svelte(), svelteTesting()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    // `npm run dev` against a running `segue serve` on its default address.
    proxy: {
      '^/(me|playlists|tracks|healthz|readyz)(/|$|\\?)': 'http://127.0.0.1:8000',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test/setup.ts'],
    // One jsdom per worker instead of per file: the suite runs in about half the time on
    // this 2-core machine. Tests reset what they share (localStorage, history) themselves.
    pool: 'threads',
    isolate: false,
  },
});
