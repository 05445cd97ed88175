import { describe, expect, it, vi } from 'vitest';
import { load } from './load';

/** A request the test settles by hand; `signal` is the one `load` passed it. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  let signal: AbortSignal | undefined;
  const request = (s: AbortSignal) => {
    signal = s;
    return new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
  };
  return { request, resolve: (v: T) => resolve(v), reject: (e: unknown) => reject(e), signal: () => signal };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('load', () => {
  it('hands the value to done', async () => {
    const p = pending<number>();
    const done = vi.fn();
    const failed = vi.fn();
    load(p.request, done, failed);
    p.resolve(42);
    await settle();
    expect(done).toHaveBeenCalledWith(42);
    expect(failed).not.toHaveBeenCalled();
  });

  it('hands an error to failed', async () => {
    const p = pending<number>();
    const done = vi.fn();
    const failed = vi.fn();
    load(p.request, done, failed);
    const err = new Error('boom');
    p.reject(err);
    await settle();
    expect(failed).toHaveBeenCalledWith(err);
    expect(done).not.toHaveBeenCalled();
  });

  it('aborts the request and ignores what it settles with afterwards', async () => {
    const ok = pending<number>();
    const bad = pending<number>();
    const done = vi.fn();
    const failed = vi.fn();
    const abortOk = load(ok.request, done, failed);
    const abortBad = load(bad.request, done, failed);
    expect(ok.signal()?.aborted).toBe(false);
    abortOk();
    abortBad();
    expect(ok.signal()?.aborted).toBe(true);
    expect(bad.signal()?.aborted).toBe(true);
    ok.resolve(1); // an answer that arrived as the abort did
    bad.reject(new Error('late'));
    await settle();
    expect(done).not.toHaveBeenCalled();
    expect(failed).not.toHaveBeenCalled();
  });

  it('does not report an AbortError as a failure', async () => {
    const p = pending<number>();
    const failed = vi.fn();
    load(p.request, vi.fn(), failed);
    p.reject(new DOMException('The operation was aborted.', 'AbortError'));
    await settle();
    expect(failed).not.toHaveBeenCalled();
  });
});
