import { TimedQueue } from './timed-queue.ts';
import type { ToxicDefinition } from './types.ts';

/**
 * Delays each chunk by latency ± jitter ms counted from when it arrived, so
 * delays overlap and throughput is kept; a chunk never overtakes the one
 * before it, even when its own jitter is smaller.
 */
export const latency: ToxicDefinition<'latency' | 'jitter'> = {
  type: 'latency',
  attributeNames: ['latency', 'jitter'],
  createStage(attributes, ctx) {
    const queue = new TimedQueue(ctx, { restamp: true });
    const latencyMs = attributes.latency;
    const jitterMs = attributes.jitter;
    const delayMs = (): number => {
      const drawn = jitterMs > 0 ? latencyMs + Math.floor(ctx.random() * 2 * jitterMs) - jitterMs : latencyMs;
      ctx.traceDelay(drawn);
      return drawn;
    };
    return {
      write: (chunk) => queue.pushChunk(chunk, chunk.arrivedAtMs + delayMs()),
      end: (kind) => queue.pushEnd(kind),
      interrupt: () => queue.stop(),
      heldBytes: () => queue.heldBytes(),
    };
  },
};
