import type { Socket } from 'node:net';
import type { Rng } from '../common/rng.ts';
import { Link } from './link.ts';
import type { LinkMetricLabels } from './metrics.ts';
import type { StreamDirection, ToxicSpec } from './toxics/types.ts';

/**
 * How long a connection a toxic closed may take to flush what it already
 * sent; past that the sockets are destroyed, so a peer that stopped reading
 * cannot keep them open.
 */
const CLOSE_FLUSH_MS = 5_000;

export interface ConnectionOptions {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly toxics: (direction: StreamDirection) => readonly ToxicSpec[];
  readonly metricLabels: (direction: StreamDirection) => LinkMetricLabels;
  /** This connection's stream; each direction draws from its own child. */
  readonly rng: Rng;
  readonly nowMs: () => number;
  readonly onToxicDelay: (direction: StreamDirection, toxic: string, delayMs: number) => void;
  /** Both sockets are closed; called once. */
  readonly onClosed: (connection: Connection) => void;
}

/**
 * One proxied TCP connection: the client socket, the upstream socket and a
 * link each way. Sockets are half-open capable, so a FIN travels through like
 * any other byte (after the data before it, through the toxics); a socket
 * error tears both sides down.
 */
export class Connection {
  /** Settles when both sockets have emitted 'close'. */
  readonly closed: Promise<void>;
  readonly #client: Socket;
  readonly #upstream: Socket;
  readonly #links: Readonly<Record<StreamDirection, Link>>;
  readonly #onClosed: (connection: Connection) => void;
  #openSockets = 2;
  #tearingDown = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #resolveClosed: () => void = () => {};

  constructor(options: ConnectionOptions) {
    this.#client = options.client;
    this.#upstream = options.upstream;
    this.#onClosed = options.onClosed;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const link = (direction: StreamDirection, source: Socket, dest: Socket): Link =>
      new Link({
        direction,
        source,
        dest,
        toxics: options.toxics(direction),
        rng: options.rng.child(direction),
        nowMs: options.nowMs,
        onToxicDelay: (toxic, delayMs) => options.onToxicDelay(direction, toxic, delayMs),
        metricLabels: options.metricLabels(direction),
        onConnectionEnd: (kind) => (kind === 'reset' ? this.reset() : this.close()),
      });
    this.#links = {
      upstream: link('upstream', this.#client, this.#upstream),
      downstream: link('downstream', this.#upstream, this.#client),
    };
    for (const socket of [this.#client, this.#upstream]) {
      // Toxiproxy (Go) sets TCP_NODELAY; without it Nagle would add its own
      // latency on top of the toxics'.
      socket.setNoDelay(true);
      socket.on('error', this.#onError);
      socket.once('close', this.#onSocketClose);
    }
  }

  start(): void {
    this.#links.upstream.start();
    this.#links.downstream.start();
  }

  link(direction: StreamDirection): Link {
    return this.#links[direction];
  }

  links(): Link[] {
    return [this.#links.upstream, this.#links.downstream];
  }

  /** Closes both sides after flushing what was already written (FIN). */
  close(): void {
    if (!this.#beginTeardown()) return;
    for (const socket of [this.#client, this.#upstream]) {
      if (!socket.destroyed) socket.destroySoon();
    }
    this.#flushTimer = setTimeout(() => this.destroy(), CLOSE_FLUSH_MS);
  }

  /** Resets both sides: an RST, so each peer sees ECONNRESET. */
  reset(): void {
    if (!this.#beginTeardown()) return;
    for (const socket of [this.#client, this.#upstream]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  }

  /** Drops both sides now, unsent data included (proxy disabled, deleted or stopped). */
  destroy(): void {
    this.#beginTeardown();
    this.#client.destroy();
    this.#upstream.destroy();
  }

  #beginTeardown(): boolean {
    if (this.#tearingDown) return false;
    this.#tearingDown = true;
    this.#links.upstream.stop();
    this.#links.downstream.stop();
    return true;
  }

  #onError = (): void => {
    this.destroy();
  };

  #onSocketClose = (hadError: boolean): void => {
    this.#openSockets -= 1;
    if (hadError) this.destroy();
    if (this.#openSockets > 0) return;
    clearTimeout(this.#flushTimer);
    this.#links.upstream.stop();
    this.#links.downstream.stop();
    this.#onClosed(this);
    this.#resolveClosed();
  };
}
