import { setLongTimeout } from '../timers.ts';
import type { LongTimer } from '../timers.ts';
import type { EndKind, ToxicDefinition } from './types.ts';

/**
 * On the first data (or EOF), waits `timeout` ms and then resets the
 * connection: a real TCP RST, so both peers see ECONNRESET. Data in between
 * is dropped, as it would be lost in a reset anyway.
 */
export const resetPeer: ToxicDefinition<'timeout'> = {
  type: 'reset_peer',
  attributeNames: ['timeout'],
  createStage(attributes, ctx) {
    const timeoutMs = Math.max(0, attributes.timeout);
    let timer: LongTimer | undefined;
    let armed = false;
    let receivedEnd: EndKind | undefined;
    const arm = (): void => {
      if (armed) return;
      armed = true;
      timer = setLongTimeout(() => ctx.out.end('reset'), timeoutMs);
    };
    return {
      write: arm,
      end(kind) {
        receivedEnd = kind;
        arm();
      },
      interrupt() {
        timer?.clear();
        // Real Toxiproxy does not cancel a reset already under way: once data
        // has arrived the connection is reset, even if the toxic is removed
        // meanwhile (its data is gone). Handing on nothing would leave the
        // connection stalled for good; we reset at removal, at most `timeout`
        // earlier than real Toxiproxy would.
        return { held: [], end: armed ? 'reset' : receivedEnd, state: undefined };
      },
      heldBytes: () => 0,
    };
  },
};
