import { setLongTimeout } from '../timers.ts';
import type { LongTimer } from '../timers.ts';
import { NOTHING_HELD } from './types.ts';
import type { ToxicDefinition } from './types.ts';

/**
 * Drops all data (lost, not delayed) and closes the connection once no data
 * has arrived for `timeout` ms; 0 never closes. Like real Toxiproxy, each
 * dropped chunk restarts the wait, and removing the toxic closes the
 * connections it was applied to: their data is gone, so going on would hand
 * the peer a stream with a hole in it.
 */
export const timeout: ToxicDefinition<'timeout'> = {
  type: 'timeout',
  attributeNames: ['timeout'],
  endOnRemove: 'close',
  createStage(attributes, ctx) {
    const timeoutMs = attributes.timeout;
    let timer: LongTimer | undefined;
    const arm = (): void => {
      if (timeoutMs <= 0) return;
      timer?.clear();
      timer = setLongTimeout(() => ctx.out.end('close'), timeoutMs);
    };
    arm();
    return {
      write: arm,
      end(kind) {
        timer?.clear();
        ctx.out.end(kind);
      },
      interrupt() {
        timer?.clear();
        return NOTHING_HELD;
      },
      heldBytes: () => 0,
    };
  },
};
