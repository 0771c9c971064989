import { TimedQueue } from './timed-queue.ts';
import type { ToxicDefinition } from './types.ts';

/**
 * Where to cut `length` bytes: halve, moved by up to ± `sizeVariation`, until
 * every piece is within `sizeVariation` of `averageSize`. Returns the end
 * offset of each piece. Needs `averageSize > 0` and
 * `0 <= sizeVariation < averageSize`, which is what makes every cut land
 * strictly inside its range (real Toxiproxy recurses forever or slices out
 * of range otherwise, so the API rejects those values).
 */
export function sliceEnds(
  length: number,
  averageSize: number,
  sizeVariation: number,
  random: () => number,
): number[] {
  const ends: number[] = [];
  const cut = (start: number, end: number): void => {
    if (end - start - averageSize <= sizeVariation) {
      ends.push(end);
      return;
    }
    let mid = start + Math.floor((end - start) / 2);
    if (sizeVariation > 0) mid += Math.floor(random() * 2 * sizeVariation) - sizeVariation;
    cut(start, mid);
    cut(mid, end);
  };
  cut(0, length);
  return ends;
}

/**
 * Splits each chunk into smaller ones with `delay` microseconds after each.
 * Node timers tick in whole ms, so a delay below 1000 µs lets several pieces
 * out in one tick (still as separate writes).
 */
export const slicer: ToxicDefinition<'average_size' | 'size_variation' | 'delay'> = {
  type: 'slicer',
  attributeNames: ['average_size', 'size_variation', 'delay'],
  check(attributes) {
    if (attributes.average_size <= 0) return `average_size must be > 0, got ${attributes.average_size}`;
    if (attributes.size_variation < 0 || attributes.size_variation >= attributes.average_size) {
      return `size_variation must be >= 0 and < average_size (${attributes.average_size}), got ${attributes.size_variation}`;
    }
    return undefined;
  },
  createStage(attributes, ctx) {
    const queue = new TimedQueue(ctx, { restamp: false });
    const delayMs = Math.max(0, attributes.delay) / 1000;
    let nextFreeAtMs = Number.NEGATIVE_INFINITY;
    return {
      write(chunk) {
        const ends = sliceEnds(chunk.data.length, attributes.average_size, attributes.size_variation, ctx.random);
        let atMs = Math.max(nextFreeAtMs, ctx.nowMs());
        let start = 0;
        for (const end of ends) {
          queue.pushChunk({ data: chunk.data.subarray(start, end), arrivedAtMs: chunk.arrivedAtMs }, atMs);
          start = end;
          atMs += delayMs;
        }
        nextFreeAtMs = atMs;
      },
      end: (kind) => queue.pushEnd(kind),
      interrupt: () => queue.stop(),
      heldBytes: () => queue.heldBytes(),
    };
  },
};
