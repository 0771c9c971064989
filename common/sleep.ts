/**
 * Waits `ms`, or less when `signal` aborts first; never rejects. For retry and
 * poll loops that must end at once on stop (a shard's retries to its
 * collector, a Kubernetes launcher's pod watch), without leaving a timer or a
 * listener behind either way.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
