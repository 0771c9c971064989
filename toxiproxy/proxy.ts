import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { formatHostPort, listenHost, normalizeListen, parseHostPort } from './address.ts';
import type { Rng } from '../common/rng.ts';
import { Connection } from './connection.ts';
import { ToxiproxyApiError } from './errors.ts';
import type { MeteredLink, ToxiproxyMetrics } from './metrics.ts';
import { ToxicSet, toxicJson } from './toxic-set.ts';
import type { StreamDirection, ToxicSpec } from './toxics/types.ts';

/** A delay a toxic drew, with where: what `onToxicDelay` reports. */
export interface ToxicDelayEvent {
  readonly proxy: string;
  /** Which connection of the proxy, counted from 1 in accept order. */
  readonly connection: number;
  readonly stream: StreamDirection;
  readonly toxic: string;
  readonly delayMs: number;
}

export interface ProxyDeps {
  /** The server's root stream; each proxy draws from a child named after it. */
  readonly rng: Rng;
  readonly onToxicDelay?: (event: ToxicDelayEvent) => void;
  readonly nowMs: () => number;
  readonly metrics: ToxiproxyMetrics;
}

/** What the API may change on a proxy. */
export interface ProxySettings {
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
}

/**
 * One named proxy: a listener on `listen` that forwards each accepted client
 * to a new connection to `upstream`, and the toxics configured on it.
 * Toxic changes reach every open connection at once.
 */
export class Proxy {
  readonly name: string;
  readonly toxics = new ToxicSet();
  readonly #deps: ProxyDeps;
  /**
   * Named after the proxy, so adding another proxy shifts nothing here.
   * Connection n draws from its child `connection:n`, n counted in accept
   * order, which a given agent schedule repeats.
   */
  readonly #rng: Rng;
  #accepted = 0;
  #listen: string;
  #upstream: string;
  #server: net.Server | undefined;
  readonly #connections = new Set<Connection>();
  /** Client and upstream sockets between accept and upstream connect. */
  readonly #dialing = new Set<net.Socket>();

  constructor(name: string, listen: string, upstream: string, deps: ProxyDeps) {
    this.name = name;
    this.#listen = listen;
    this.#upstream = upstream;
    this.#deps = deps;
    this.#rng = deps.rng.child(`proxy:${name}`);
  }

  /** The bound address while enabled (port 0 resolved), else the address as configured. */
  get listen(): string {
    return this.#listen;
  }

  get upstream(): string {
    return this.#upstream;
  }

  get enabled(): boolean {
    return this.#server !== undefined;
  }

  /** Binds the listener; a no-op when already listening. */
  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    const address = parseHostPort(this.#listen);
    if (address === undefined) throw new ToxiproxyApiError('BAD_ADDRESS', JSON.stringify(this.#listen));
    const host = listenHost(address.host);
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, this.#onClient);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        const where = formatHostPort(host, address.port);
        reject(new ToxiproxyApiError('LISTEN_FAILED', undefined, `listen tcp ${where}: ${describeListenError(error)}`));
      };
      server.once('error', onError);
      server.listen({ host, port: address.port }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    // Accept errors (EMFILE and the like) are per client; the listener goes on.
    server.on('error', () => {});
    const bound = server.address() as AddressInfo;
    this.#listen = formatHostPort(bound.address, bound.port);
    this.#server = server;
  }

  /** Closes the listener and drops every connection (toxics are kept); resolves once all are closed. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const closing: Promise<unknown>[] = [new Promise<void>((resolve) => server.close(() => resolve()))];
    for (const socket of this.#dialing) {
      socket.destroy();
      closing.push(whenClosed(socket));
    }
    this.#dialing.clear();
    for (const connection of this.#connections) {
      connection.destroy();
      closing.push(connection.closed);
    }
    await Promise.all(closing);
  }

  /** Same rules as real Toxiproxy: a new listen or upstream restarts the proxy, dropping its connections. */
  async update(settings: ProxySettings): Promise<void> {
    if (normalizeListen(settings.listen) !== normalizeListen(this.#listen) || settings.upstream !== this.#upstream) {
      await this.stop();
      this.#listen = settings.listen;
      this.#upstream = settings.upstream;
    }
    if (settings.enabled) await this.start();
    else await this.stop();
  }

  /** Whether populating with these settings would change the proxy. */
  differs(listen: string, upstream: string): boolean {
    return normalizeListen(listen) !== normalizeListen(this.#listen) || upstream !== this.#upstream;
  }

  addToxic(toxic: ToxicSpec): void {
    this.toxics.add(toxic);
    for (const connection of this.#connections) connection.link(toxic.stream).addToxic(toxic);
  }

  updateToxic(toxic: ToxicSpec): void {
    this.toxics.replace(toxic);
    for (const connection of this.#connections) connection.link(toxic.stream).updateToxic(toxic);
  }

  removeToxic(name: string): void {
    const removed = this.toxics.remove(name);
    if (removed === undefined) return;
    for (const connection of this.#connections) connection.link(removed.stream).removeToxic(name);
  }

  removeAllToxics(): void {
    for (const toxic of this.toxics.list()) this.removeToxic(toxic.name);
  }

  *meteredLinks(): Iterable<MeteredLink> {
    for (const connection of this.#connections) yield* connection.links();
  }

  toJSON(): {
    name: string;
    listen: string;
    upstream: string;
    enabled: boolean;
    toxics: ReturnType<typeof toxicJson>[];
  } {
    return {
      name: this.name,
      listen: this.#listen,
      upstream: this.#upstream,
      enabled: this.enabled,
      toxics: this.toxics.list().map(toxicJson),
    };
  }

  #onClient = (client: net.Socket): void => {
    const target = parseHostPort(this.#upstream);
    if (this.#server === undefined || target === undefined) {
      client.destroy();
      return;
    }
    this.#accepted += 1;
    const index = this.#accepted;
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    this.#dialing.add(client);
    this.#dialing.add(upstream);
    const forget = (): void => {
      this.#dialing.delete(client);
      this.#dialing.delete(upstream);
      client.off('error', abandon);
      client.off('close', abandon);
      upstream.off('error', abandon);
    };
    // The client has already seen its connect succeed; closing it is how it
    // learns the upstream is unreachable, as with real Toxiproxy.
    const abandon = (): void => {
      forget();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', abandon);
    client.on('close', abandon);
    upstream.on('error', abandon);
    upstream.once('connect', () => {
      forget();
      this.#accept(client, upstream, index);
    });
  };

  #accept(client: net.Socket, upstream: net.Socket, index: number): void {
    const { onToxicDelay } = this.#deps;
    const connection = new Connection({
      client,
      upstream,
      toxics: (direction) => this.toxics.chain(direction),
      metricLabels: (direction) => ({
        direction,
        proxy: this.name,
        listener: this.#listen,
        upstream: this.#upstream,
      }),
      rng: this.#rng.child(`connection:${index}`),
      nowMs: this.#deps.nowMs,
      onToxicDelay: (stream, toxic, delayMs) => onToxicDelay?.({ proxy: this.name, connection: index, stream, toxic, delayMs }),
      onClosed: (closed) => {
        this.#connections.delete(closed);
        for (const link of closed.links()) this.#deps.metrics.flush(link);
      },
    });
    this.#connections.add(connection);
    connection.start();
  }
}

/** Go's wording for the usual bind errors, so clients matching on it keep working. */
function describeListenError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'bind: address already in use';
    case 'EACCES':
      return 'bind: permission denied';
    case 'EADDRNOTAVAIL':
      return 'bind: cannot assign requested address';
    default:
      return error.message;
  }
}

function whenClosed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
