import { describe, expect, it } from 'vitest';
import { createRng } from '../../common/rng.ts';
import { sliceEnds } from './slicer.ts';

describe('sliceEnds', () => {
  it('covers every byte once, in order, with no piece empty or above average + variation', () => {
    const rng = createRng(7);
    for (const [length, average, variation] of [
      [1, 1, 0],
      [100, 10, 5],
      [65_536, 1_000, 999],
      [7, 3, 2],
      [0, 5, 0],
      // Accepted by real Toxiproxy: variation equal to the average, or negative.
      [1_000, 10, 10],
      [1_000, 20, -5],
    ] as const) {
      const ends = sliceEnds(length, average, variation, () => rng.next());
      let start = 0;
      for (const end of ends) {
        expect(end).toBeGreaterThan(start);
        expect(end - start).toBeLessThanOrEqual(Math.max(1, average + variation));
        start = end;
      }
      expect(start).toBe(length);
    }
  });

  it('ends in 1-byte pieces where real Toxiproxy recurses forever or panics', () => {
    const rng = createRng(8);
    for (const [average, variation] of [[0, 0], [-3, 0], [2, 50], [1, 1], [0, -1]] as const) {
      const ends = sliceEnds(300, average, variation, () => rng.next());
      expect(ends.at(-1)).toBe(300);
      expect(ends.every((end, index) => end > (ends[index - 1] ?? 0))).toBe(true);
    }
    expect(sliceEnds(65_536, 0, 0, () => 0.5)).toHaveLength(65_536);
  });
});
