import { setLongTimeout } from '../timers.ts';
import type { LongTimer } from '../timers.ts';
import type { EndKind, ToxicDefinition } from './types.ts';

/** Data passes untouched; the close (of whatever kind) waits `delay` ms. */
export const slowClose: ToxicDefinition<'delay'> = {
  type: 'slow_close',
  attributeNames: ['delay'],
  createStage(attributes, ctx) {
    const delayMs = Math.max(0, attributes.delay);
    let timer: LongTimer | undefined;
    let pendingEnd: EndKind | undefined;
    return {
      write: (chunk) => ctx.out.push(chunk),
      end(kind) {
        pendingEnd = kind;
        timer = setLongTimeout(() => {
          timer = undefined;
          pendingEnd = undefined;
          ctx.out.end(kind);
        }, delayMs);
      },
      interrupt() {
        timer?.clear();
        return { held: [], end: pendingEnd, state: undefined };
      },
      heldBytes: () => 0,
    };
  },
};
