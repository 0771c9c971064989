import { describe, expect, test } from 'vitest';
import { binomialTailAtLeast, busiestSliceTailBound, formatProbability, improbableBusiestCount, minimumSample } from './scan-statistic.ts';

describe('binomialTailAtLeast', () => {
  test('matches the closed forms', () => {
    expect(binomialTailAtLeast(10, 0.2, 10)).toBeCloseTo(0.2 ** 10, 20);
    expect(binomialTailAtLeast(10, 0.2, 9)).toBeCloseTo(10 * 0.2 ** 9 * 0.8 + 0.2 ** 10, 18);
    expect(binomialTailAtLeast(10, 0.2, 1)).toBeCloseTo(1 - 0.8 ** 10, 12);
    expect(binomialTailAtLeast(10, 0.2, 0)).toBe(1);
    expect(binomialTailAtLeast(10, 0.2, 11)).toBe(0);
  });

  test('stays finite and monotone for big fleets, on both sides of the mean', () => {
    const n = 100_000;
    expect(binomialTailAtLeast(n, 0.5, 40_000)).toBe(1);
    expect(binomialTailAtLeast(n, 0.5, 50_000)).toBeCloseTo(0.5, 2);
    const far = binomialTailAtLeast(n, 0.1, 11_000);
    expect(far).toBeGreaterThan(0);
    expect(far).toBeLessThan(1e-20);
    expect(binomialTailAtLeast(n, 0.1, 11_001)).toBeLessThan(far);
  });
});

describe('busiestSliceTailBound', () => {
  test('is never below the exact chance for two and three uniform points (s/W = 0.1)', () => {
    // Two points within s of each other: 1 - (1 - s/W)^2. Three within s: 3(s/W)^2 - 2(s/W)^3.
    expect(busiestSliceTailBound(2, 2, 100, 1_000)).toBeGreaterThanOrEqual(1 - 0.9 ** 2);
    expect(busiestSliceTailBound(3, 3, 100, 1_000)).toBeGreaterThanOrEqual(3 * 0.01 - 2 * 0.001);
  });

  test('is at most the textbook union bound (W/s) * P(Bin(n, 2s/W) >= k), and much tighter for big fleets', () => {
    for (const [n, k] of [[10, 8], [200, 46], [500, 89]] as const) {
      expect(busiestSliceTailBound(n, k, 100, 1_000)).toBeLessThanOrEqual(10 * binomialTailAtLeast(n, 0.2, k));
    }
    expect(busiestSliceTailBound(200, 46, 100, 1_000)).toBeLessThan(1e-4);
    expect(10 * binomialTailAtLeast(200, 0.2, 46)).toBeGreaterThan(0.1);
  });
});

describe('thresholds', () => {
  test('storm (1 s window, 100 ms slices, 1e-4): 7 agents can show a herd, 6 cannot; the count that fails grows slower than n', () => {
    expect(minimumSample(100, 1_000, 1e-4)).toBe(7);
    expect(busiestSliceTailBound(6, 6, 100, 1_000)).toBeGreaterThanOrEqual(1e-4);
    expect(busiestSliceTailBound(7, 7, 100, 1_000)).toBeLessThan(1e-4);
    expect([7, 10, 200, 500].map((n) => improbableBusiestCount(n, 100, 1_000, 1e-4))).toEqual([7, 8, 46, 89]);
    expect(improbableBusiestCount(6, 100, 1_000, 1e-4)).toBe(Infinity);
  });

  test('a slice as wide as the window can never be improbable', () => {
    expect(minimumSample(1_000, 1_000, 1e-4)).toBe(Infinity);
  });

  test('formats probabilities for people', () => {
    expect(formatProbability(0.973)).toBe('0.97');
    expect(formatProbability(7.43e-5)).toBe('7.4e-5');
    expect(formatProbability(0)).toBe('< 1e-300');
  });
});
