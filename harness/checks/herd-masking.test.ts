import { expect, test } from 'vitest';
import { herdMaskingStallMs } from './reconnect-spread.ts';
import { improbableBusiestCount } from './scan-statistic.ts';
import { SPREAD_SIGNIFICANCE } from './reconnect-spread.ts';

test('the longest stall that cannot hide a herd grows with the fleet, and a fleet too small to judge has none', () => {
  expect(herdMaskingStallMs(500, 1_000, 100)).toBe(461);
  expect(herdMaskingStallMs(200, 1_000, 100)).toBe(334);
  expect(herdMaskingStallMs(10, 1_000, 100)).toBe(25);
  expect(herdMaskingStallMs(3, 1_000, 100)).toBeUndefined();
});

test('a herd spread over that stall still puts the failing count in one slice; spread wider, it does not', () => {
  for (const n of [10, 50, 200, 500, 5_000]) {
    const stall = herdMaskingStallMs(n, 1_000, 100)!;
    const k = improbableBusiestCount(n, 100, 1_000, SPREAD_SIGNIFICANCE);
    // n attempts evenly over stall + slice ms: the busiest 100 ms slice holds at least this many.
    const busiest = (spreadMs: number) => Math.floor((n * 100) / (spreadMs + 100));
    expect(busiest(stall), `n=${n}`).toBeGreaterThanOrEqual(k);
    expect(busiest(2 * stall + 200), `n=${n}`).toBeLessThan(k);
  }
});
