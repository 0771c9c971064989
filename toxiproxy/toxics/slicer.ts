import { TimedQueue } from './timed-queue.ts';
import type { ToxicDefinition } from './types.ts';

/**
 * Where to cut `length` bytes, as real Toxiproxy does: halve, moved by up to
 * ± `sizeVariation`, until every piece is within `sizeVariation` of
 * `averageSize`. Returns the end offset of each piece (none empty).
 *
 * Real Toxiproxy takes any integers here and then, with `averageSize <= 0`,
 * recurses forever, or with `sizeVariation > averageSize` cuts outside the
 * chunk and panics. We keep every cut strictly inside its range, so the worst
 * any values can do is 1-byte pieces.
 */
export function sliceEnds(
  length: number,
  averageSize: number,
  sizeVariation: number,
  random: () => number,
): number[] {
  const ends: number[] = [];
  // An explicit stack, not recursion: 1-byte pieces of a 64 KiB chunk would be deep.
  const ranges: [number, number][] = [[0, length]];
  while (ranges.length > 0) {
    const [start, end] = ranges.pop()!;
    if (end - start <= 1 || end - start - averageSize <= sizeVariation) {
      if (end > start) ends.push(end);
      continue;
    }
    let mid = start + Math.floor((end - start) / 2);
    if (sizeVariation > 0) mid += Math.floor(random() * 2 * sizeVariation) - sizeVariation;
    mid = Math.min(end - 1, Math.max(start + 1, mid));
    ranges.push([mid, end], [start, mid]);
  }
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
