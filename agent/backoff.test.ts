import { describe, expect, test } from 'vitest';
import { DEFAULT_BACKOFF, backoffCeilingMs, backoffDelayMs, type ResolvedBackoff } from './backoff.ts';
import { createRng } from '../common/rng.ts';

const options = (o: Partial<ResolvedBackoff> = {}): ResolvedBackoff => ({ ...DEFAULT_BACKOFF, ...o });

describe('backoff', () => {
  test('the ceiling for attempt n is min(maxMs, minMs * factor^n)', () => {
    const o = options({ minMs: 100, maxMs: 5_000, factor: 2 });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeilingMs(o, n))).toEqual([200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
    expect(backoffCeilingMs(o, 0)).toBe(200); // attempt 0 is treated as the first
    expect(backoffCeilingMs(o, 10_000)).toBe(5_000); // no overflow past the cap
  });

  test('every delay lies within [minMs, min(maxMs, minMs * factor^n)] across attempts and seeds', () => {
    const o = options({ minMs: 250, maxMs: 8_000, factor: 3 });
    for (const seed of ['a', 'b', 'c']) {
      const rng = createRng(seed);
      for (let attempt = 1; attempt <= 12; attempt++) {
        const ceiling = Math.min(o.maxMs, o.minMs * o.factor ** attempt);
        for (let i = 0; i < 200; i++) {
          const delay = backoffDelayMs(o, attempt, rng);
          expect(delay).toBeGreaterThanOrEqual(o.minMs);
          expect(delay).toBeLessThanOrEqual(ceiling);
          expect(Number.isInteger(delay)).toBe(true);
        }
      }
    }
  });

  test("jitter 'none' always waits the ceiling", () => {
    const o = options({ minMs: 100, maxMs: 1_000, jitter: 'none' });
    const rng = createRng(1);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(o, n, rng))).toEqual([200, 400, 800, 1_000, 1_000]);
  });

  test('full jitter spreads delays over the whole window, not a corner of it', () => {
    const o = options({ minMs: 1_000, maxMs: 30_000, factor: 2 });
    const rng = createRng('spread');
    const attempt = 3; // window [1_000, 8_000]
    const delays = Array.from({ length: 4_000 }, () => backoffDelayMs(o, attempt, rng));
    const window = 8_000 - 1_000;
    expect(Math.min(...delays) - 1_000).toBeLessThan(window * 0.01);
    expect(8_000 - Math.max(...delays)).toBeLessThan(window * 0.01);
    // Each tenth of the window gets its share (400 expected per bucket; a bad generator or formula misses badly).
    const buckets = new Array(10).fill(0) as number[];
    for (const d of delays) buckets[Math.min(9, Math.floor(((d - 1_000) / window) * 10))]!++;
    for (const count of buckets) {
      expect(count).toBeGreaterThan(300);
      expect(count).toBeLessThan(500);
    }
  });

  test('when the ceiling is below minMs (a cap under the floor) the delay is the cap, never more', () => {
    const o = options({ minMs: 5_000, maxMs: 2_000 });
    expect(backoffDelayMs(o, 1, createRng(1))).toBe(2_000);
  });

  test('the same seed gives the same delays', () => {
    const a = createRng('same');
    const b = createRng('same');
    const seq = (rng: ReturnType<typeof createRng>) => Array.from({ length: 20 }, (_, i) => backoffDelayMs(DEFAULT_BACKOFF, i + 1, rng));
    expect(seq(a)).toEqual(seq(b));
  });
});
