import { expect, test } from 'vitest';
import { sleep } from './sleep.ts';

test('sleep ends when its time is up, or at once when its signal aborts (before or during the wait)', async () => {
  await sleep(5);
  const stop = new AbortController();
  // An hour-long wait that only the abort can end: the test's own timeout fails it otherwise.
  const waiting = sleep(3_600_000, stop.signal);
  stop.abort();
  await waiting;
  await sleep(3_600_000, stop.signal);
  expect(stop.signal.aborted).toBe(true);
});
