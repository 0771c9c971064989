import { performance } from 'node:perf_hooks';

import { MAX_TIMER_MS } from '../common/duration.ts';

// Node's setTimeout limit (MAX_TIMER_MS): past it Node fires after 1 ms (with a
// TimeoutOverflowWarning), so a 35-day toxic would act at once. Go's timers
// have no such limit: real Toxiproxy waits the whole time.
export { MAX_TIMER_MS };

export interface LongTimer {
  clear(): void;
}

/**
 * setTimeout for any delay in ms: past MAX_TIMER_MS it waits in steps of at
 * most that, so nothing fires early; an infinite delay never fires and holds
 * no timer. Negative and NaN delays fire at once, as Go's time.After does.
 */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimer {
  let timer: NodeJS.Timeout | undefined;
  if (delayMs === Number.POSITIVE_INFINITY) return { clear: () => {} };
  const dueAtMs = performance.now() + (delayMs > 0 ? delayMs : 0);
  const step = (): void => {
    const remainingMs = dueAtMs - performance.now();
    if (remainingMs > MAX_TIMER_MS) timer = setTimeout(step, MAX_TIMER_MS);
    else timer = setTimeout(callback, Math.max(0, remainingMs));
  };
  step();
  return { clear: () => clearTimeout(timer) };
}
