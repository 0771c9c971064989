import { describe, expect, test } from 'vitest';
import { percentile } from './stats.ts';

describe('percentile (nearest rank)', () => {
  const tens = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

  test('picks the value at rank ceil(p/100 * n)', () => {
    expect(percentile(tens, 50)).toBe(50);
    expect(percentile(tens, 51)).toBe(60);
    expect(percentile(tens, 95)).toBe(100);
    expect(percentile(tens, 90)).toBe(90);
    expect(percentile(tens, 10)).toBe(10);
  });

  test('clamps at the ends and handles one value and none', () => {
    expect(percentile(tens, 0)).toBe(10);
    expect(percentile(tens, 100)).toBe(100);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
