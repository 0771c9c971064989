import { TimedQueue } from './timed-queue.ts';
import type { ToxicDefinition } from './types.ts';

/** Pieces of at most 100 ms worth of bytes, as real Toxiproxy cuts them, so the rate is smooth. */
const PIECE_MS = 100;

/**
 * Limits one direction of one connection to `rate` KB/s (1 KB = 1000 bytes,
 * so `rate` is also bytes per ms). Each piece leaves once its transmission
 * time has passed on a per-stage clock; idle time earns no credit.
 */
export const bandwidth: ToxicDefinition<'rate'> = {
  type: 'bandwidth',
  attributeNames: ['rate'],
  createStage(attributes, ctx) {
    const queue = new TimedQueue(ctx, { restamp: false });
    const rateBytesPerMs = attributes.rate;
    let busyUntilMs = Number.NEGATIVE_INFINITY;
    return {
      write(chunk) {
        if (rateBytesPerMs <= 0) {
          queue.pushChunk(chunk, ctx.nowMs());
          return;
        }
        const pieceBytes = rateBytesPerMs * PIECE_MS;
        for (let offset = 0; offset < chunk.data.length; offset += pieceBytes) {
          const data = chunk.data.subarray(offset, offset + pieceBytes);
          busyUntilMs = Math.max(busyUntilMs, ctx.nowMs()) + data.length / rateBytesPerMs;
          queue.pushChunk({ data, arrivedAtMs: chunk.arrivedAtMs }, busyUntilMs);
        }
      },
      end: (kind) => queue.pushEnd(kind),
      interrupt: () => queue.stop(),
      heldBytes: () => queue.heldBytes(),
    };
  },
};
