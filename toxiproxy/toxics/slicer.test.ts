import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.ts';
import { sliceEnds } from './slicer.ts';

describe('sliceEnds', () => {
  it('covers every byte once, in order, with no piece above average + variation', () => {
    const random = seededRandom(7);
    for (const [length, average, variation] of [
      [1, 1, 0],
      [100, 10, 5],
      [65_536, 1_000, 999],
      [7, 3, 2],
      [0, 5, 0],
    ] as const) {
      const ends = sliceEnds(length, average, variation, random);
      let start = 0;
      for (const end of ends) {
        expect(end).toBeGreaterThan(length === 0 ? -1 : start);
        expect(end - start).toBeLessThanOrEqual(average + variation);
        start = end;
      }
      expect(start).toBe(length);
    }
  });
});

describe('seededRandom', () => {
  it('repeats for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1_000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1_000 }, () => b()));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
  });
});
