// The one fetch/abort pattern of the components: start a request in an $effect, cancel it
// when the effect re-runs or the component goes, and ignore whatever it settles with then.

import { isAbort } from './api';

/**
 * Start `request` with a signal of its own; `done` gets its value, `failed` its error.
 * Returns the abort function, which is what an `$effect` returns for its cleanup:
 *
 *   $effect(() => load((signal) => api.playlist(id, { signal }), (p) => (playlist = p), showError));
 *
 * Once aborted, neither callback runs: a newer request (or unmounting) superseded this
 * one, so its answer or error no longer matters. An AbortError is never a failure.
 */
export function load<T>(
  request: (signal: AbortSignal) => Promise<T>,
  done: (value: T) => void,
  failed: (err: unknown) => void,
): () => void {
  const controller = new AbortController();
  const { signal } = controller;
  request(signal).then(
    (value) => {
      if (!signal.aborted) done(value);
    },
    (err: unknown) => {
      if (!signal.aborted && !isAbort(err)) failed(err);
    },
  );
  return () => controller.abort();
}
