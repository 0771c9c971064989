import type { History } from '../history/history.ts';

/** Resolves after `ms`, or at once when `signal` aborts. The scenario's own clock, not a test sleep. */
export function waitMs(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Resolves true once `condition()` holds, checked now and after every new
 * event; false after `timeoutMs` or on abort.
 */
export function waitFor(history: History, condition: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  if (condition()) return Promise.resolve(true);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    const unsubscribe = history.subscribe(() => {
      if (condition()) finish(true);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
