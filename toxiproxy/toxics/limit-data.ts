import type { ToxicDefinition } from './types.ts';

interface LimitDataState {
  transmittedBytes: number;
}

function isLimitDataState(value: unknown): value is LimitDataState {
  return typeof value === 'object' && value !== null && 'transmittedBytes' in value;
}

/**
 * Forwards up to `bytes` in total on this connection and direction, then
 * closes the connection. The count survives an update of the toxic, so
 * raising the limit lets more through instead of starting over.
 */
export const limitData: ToxicDefinition<'bytes'> = {
  type: 'limit_data',
  attributeNames: ['bytes'],
  createStage(attributes, ctx, previous) {
    const state: LimitDataState = isLimitDataState(previous) ? previous : { transmittedBytes: 0 };
    return {
      write(chunk) {
        const remaining = Math.max(0, attributes.bytes - state.transmittedBytes);
        const data = remaining < chunk.data.length ? chunk.data.subarray(0, remaining) : chunk.data;
        if (data.length > 0) {
          state.transmittedBytes += data.length;
          ctx.out.push(data === chunk.data ? chunk : { data, arrivedAtMs: chunk.arrivedAtMs });
        }
        if (attributes.bytes - state.transmittedBytes <= 0) ctx.out.end('close');
      },
      end: (kind) => ctx.out.end(kind),
      interrupt: () => ({ held: [], end: undefined, state }),
      heldBytes: () => 0,
    };
  },
};
