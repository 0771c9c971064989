import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { ConnectionManager } from '../connections.ts';
import type { HubDefect } from './types.ts';

/**
 * What one pong record keeps: a 32 KB copy of the frame (a Buffer, outside
 * the V8 heap) and its 64 KB hex dump (on the heap). Sized so a 20-agent soak
 * with 2 s pings (10 pongs/s: about 37 MiB/min of heap, 19 MiB/min outside
 * it) grows faster than the harness's own GC sawtooth hides within a minute
 * or two; a real leak is slower and needs a longer soak. A 30-minute soak
 * with this defect ends holding about 1.7 GiB.
 */
const FRAME_COPY_BYTES = 32 * 1024;

interface PongRecord {
  agentId: string;
  atMs: number;
  frame: Buffer;
  hexDump: string;
}

// Module scope on purpose, as leaked globals are: the trail outlives every hub
// this process builds, so an in-process redeploy (a new hub, same process)
// does not reset it, exactly as a restart would not free a real global leak
// in a long-lived worker. In a hub of its own process a redeploy does free it.
const pongAuditTrail: PongRecord[] = [];
const hubLifecycle = new EventEmitter().setMaxListeners(0);

/**
 * A connection manager with a heartbeat audit trail that nothing ever
 * flushes: every pong appends a record (the flush job was never scheduled),
 * and every connection adds a shutdown listener that is never removed, which
 * keeps each closed socket reachable. Growth follows traffic (pongs), not
 * just connections, so a steady fleet leaks steadily.
 */
class AuditedConnectionManager extends ConnectionManager {
  readonly #audited = new WeakSet<WebSocket>();

  override register(agentId: string, socket: WebSocket): void {
    super.register(agentId, socket);
    if (this.#audited.has(socket)) return;
    this.#audited.add(socket);
    socket.on('pong', () => {
      const frame = Buffer.alloc(FRAME_COPY_BYTES, `${agentId}@${Date.now()};`);
      pongAuditTrail.push({ agentId, atMs: performance.now(), frame, hexDump: frame.toString('hex') });
    });
    hubLifecycle.on('shutdown', () => socket.terminate());
  }
}

export const slowLeak: HubDefect = {
  name: 'slow-leak',
  description: 'keeps a ~96 KB record of every pong and a listener per connection that are never freed, so memory grows steadily with heartbeat traffic (soak: resource-growth)',
  apply(hub) {
    hub.connections = new AuditedConnectionManager(hub.metrics);
  },
};
