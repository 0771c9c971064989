import type { WebSocket } from 'ws';
import { CLOSE_REPLACED } from '../protocol/v1.ts';
import { codeLabel, reasonLabel, type HubMetrics } from './metrics.ts';

interface Entry {
  socket: WebSocket;
  openedAtMs: number;
  alive: boolean;
}

/**
 * Holds one live WebSocket per agent id, with the incident's replace
 * semantics: registering an id that is already present closes the socket
 * held for it with 1000 "New connection established". That rule is correct
 * for stale connections; it loops only when it is called twice for the same
 * connection (see the `duplicate-ws-handler` defect). The manager knows
 * nothing of HTTP routes.
 */
export class ConnectionManager {
  readonly #entries = new Map<string, Entry>();
  readonly #tracked = new WeakSet<WebSocket>();
  readonly #metrics: HubMetrics;

  constructor(metrics: HubMetrics) {
    this.#metrics = metrics;
  }

  /** Registers `socket` as the live connection for `agentId`, replacing any other. */
  register(agentId: string, socket: WebSocket): void {
    const existing = this.#entries.get(agentId);
    if (existing) {
      this.#metrics.connectionsReplaced.inc();
      existing.socket.close(CLOSE_REPLACED.code, CLOSE_REPLACED.reason);
    }
    this.#entries.set(agentId, { socket, openedAtMs: performance.now(), alive: true });
    this.#track(agentId, socket);
  }

  get(agentId: string): WebSocket | undefined {
    return this.#entries.get(agentId)?.socket;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Sends a text frame to the agent's live connection; false when it has none. */
  send(agentId: string, text: string): boolean {
    const entry = this.#entries.get(agentId);
    if (!entry || entry.socket.readyState !== entry.socket.OPEN) return false;
    entry.socket.send(text);
    return true;
  }

  /**
   * Pings every connection; one that has not answered the previous ping is
   * terminated, so the hub drops half-open sockets within two intervals.
   */
  heartbeat(): void {
    for (const entry of this.#entries.values()) {
      if (!entry.alive) {
        entry.socket.terminate();
        continue;
      }
      entry.alive = false;
      entry.socket.ping();
    }
  }

  /** Drops every socket at once, no close frame: what peers see when the process dies. */
  terminateAll(): void {
    for (const entry of this.#entries.values()) entry.socket.terminate();
  }

  /** Closes every socket and resolves once all have closed or `timeoutMs` passed (then terminates). */
  async closeAll(code: number, reason: string, timeoutMs = 2_000): Promise<void> {
    const sockets = [...this.#entries.values()].map((e) => e.socket);
    const closed = sockets.map(
      (socket) => new Promise<void>((resolve) => {
        if (socket.readyState === socket.CLOSED) return resolve();
        socket.once('close', () => resolve());
      }),
    );
    for (const socket of sockets) socket.close(code, reason);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([Promise.all(closed), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') for (const socket of sockets) socket.terminate();
  }

  /** Attaches the per-socket bookkeeping once, however many handlers register the socket. */
  #track(agentId: string, socket: WebSocket): void {
    if (this.#tracked.has(socket)) return;
    this.#tracked.add(socket);
    const openedAtMs = performance.now();
    this.#metrics.connectionsOpen.inc();
    socket.on('pong', () => {
      const entry = this.#entries.get(agentId);
      if (entry?.socket === socket) entry.alive = true;
    });
    socket.once('close', (code: number, reasonBuffer: Buffer) => {
      this.#metrics.connectionsOpen.dec();
      this.#metrics.disconnects.inc({ code: codeLabel(code), reason: reasonLabel(reasonBuffer.toString()) });
      this.#metrics.connectionDuration.observe((performance.now() - openedAtMs) / 1000);
      if (this.#entries.get(agentId)?.socket === socket) this.#entries.delete(agentId);
    });
  }
}
