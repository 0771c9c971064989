import WebSocket from 'ws';
import { wsUrl } from '../../protocol/v1.ts';
import { startBounded, type BoundedStart } from './bounded-start.ts';
import type { ConnectionHolder, HolderSetup } from './messages.ts';

const WARM_UP_CONNECTIONS = 5;
/** A failed handshake is retried after this long; an agent's first backoff is 1 to 2 s. */
const RETRY_AFTER_MS = 1_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The floor to compare the Fleet with: one `ws` client per connection and
 * nothing else: no timers, no polling, no events. Same URL shape and same
 * options as an EdgeAgent (perMessageDeflate off), started by the same
 * bounded driver as the Fleet's agents.
 */
export function bareHolder(setup: HolderSetup): ConnectionHolder {
  const sockets = new Set<WebSocket>();
  let open = 0;
  let failedAttempts = 0;
  let closing = false;
  let onOpen: (() => void) | undefined;
  let driver: BoundedStart | undefined;

  function connect(id: string): void {
    if (closing) return;
    const socket = new WebSocket(wsUrl(setup.hubUrl, id), { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    sockets.add(socket);
    let opened = false;
    socket.on('error', () => {}); // the close that follows is what counts
    socket.on('open', () => {
      opened = true;
      open += 1;
      driver?.opened();
      onOpen?.();
    });
    socket.on('close', () => {
      sockets.delete(socket);
      if (opened) open -= 1;
      else {
        failedAttempts += 1;
        setTimeout(() => connect(id), RETRY_AFTER_MS).unref();
      }
    });
  }

  const untilOpen = (count: number): Promise<void> =>
    new Promise((resolve) => {
      onOpen = () => {
        if (open >= count) resolve();
      };
      onOpen();
    });

  async function closeAll(): Promise<void> {
    const closeOne = (socket: WebSocket): Promise<void> =>
      new Promise((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'bench done');
        setTimeout(() => socket.terminate(), 2_000).unref(); // a hub that never answers the close
      });
    await Promise.all([...sockets].map(closeOne));
  }

  return {
    async warmUp() {
      for (let i = 1; i <= WARM_UP_CONNECTIONS; i++) connect(`bench-warm-${i}`);
      await untilOpen(WARM_UP_CONNECTIONS);
      await closeAll();
      failedAttempts = 0;
    },
    async connectAll() {
      driver = startBounded(setup.agents, setup.maxInFlight, (index) => connect(`bench-bare-${index + 1}`));
      await untilOpen(setup.agents);
      onOpen = undefined;
      return { failedAttempts };
    },
    openCount: () => open,
    async close() {
      closing = true;
      driver?.cancel();
      await closeAll();
    },
  };
}
