import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatHostPort, isLoopbackHost } from './address.ts';
import { buildToxiproxyApi } from './api.ts';
import { ProxyCollection } from './collection.ts';
import { ToxiproxyServerError } from './errors.ts';
import { ToxiproxyMetrics } from './metrics.ts';
import type { ToxicDelayEvent } from './proxy.ts';
import { createRng } from '../common/rng.ts';

export interface StartToxiproxyServerOptions {
  /** Address the HTTP API binds. Default 127.0.0.1. */
  readonly host?: string;
  /** Port of the HTTP API. Default 8474; 0 picks a free port. */
  readonly port?: number;
  /**
   * Seed of every toxicity roll, latency jitter and slicer size. Each proxy
   * draws from a stream named after it, each connection from a child of that
   * in accept order, each toxic from a child of that: the same seed and the
   * same traffic give the same draws. Default: a random seed (see `seed` on
   * the started server).
   */
  readonly seed?: string | number;
  /** Called with every delay a toxic draws (latency + jitter): a hook for tests and traces. */
  readonly onToxicDelay?: (event: ToxicDelayEvent) => void;
  /**
   * Let the API and the proxies listen on addresses beyond loopback (0.0.0.0,
   * a LAN address). Default false: edge-chaos opens ports only on this machine,
   * and a proxy asking for another address gets 400.
   */
  readonly allowNonLoopbackListen?: boolean;
}

export interface StartedToxiproxyServer extends AsyncDisposable {
  /** Base URL of the API, e.g. http://127.0.0.1:8474. */
  readonly url: string;
  readonly port: number;
  /** The seed in use, given or drawn: pass it back as `seed` to replay. */
  readonly seed: string;
  /** Closes the API, every proxy listener and every proxied connection. Idempotent. */
  stop(): Promise<void>;
}

export const DEFAULT_TOXIPROXY_HOST = '127.0.0.1';
export const DEFAULT_TOXIPROXY_PORT = 8474;

/**
 * Starts a server speaking Toxiproxy 2.12's HTTP API with real TCP proxies.
 * `await using toxiproxy = await startToxiproxyServer({ port: 0 })` leaves
 * nothing behind when the scope ends.
 */
export async function startToxiproxyServer(options: StartToxiproxyServerOptions = {}): Promise<StartedToxiproxyServer> {
  const host = options.host ?? DEFAULT_TOXIPROXY_HOST;
  const port = options.port ?? DEFAULT_TOXIPROXY_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ToxiproxyServerError('EC_TOXIPROXY_BAD_OPTION', `port must be an integer 0..65535, got ${port}`, 'pass --port 8474, or --port 0 for any free port');
  }
  const allowNonLoopbackListen = options.allowNonLoopbackListen ?? false;
  if (!allowNonLoopbackListen && !isLoopbackHost(host)) {
    throw new ToxiproxyServerError(
      'EC_TOXIPROXY_BAD_OPTION',
      `host ${host} is not loopback: edge-chaos opens ports only on this machine`,
      'use --host 127.0.0.1, or pass --allow-non-loopback (allowNonLoopbackListen: true) to listen beyond it',
    );
  }
  const metrics: ToxiproxyMetrics = new ToxiproxyMetrics(() => collection.meteredLinks());
  const seed = String(options.seed ?? randomBytes(6).readUIntBE(0, 6));
  const collection: ProxyCollection = new ProxyCollection({
    rng: createRng(seed),
    onToxicDelay: options.onToxicDelay,
    nowMs: () => performance.now(),
    metrics,
  });
  const app = buildToxiproxyApi({ collection, metrics, allowNonLoopbackListen });
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    throw new ToxiproxyServerError(
      'EC_TOXIPROXY_LISTEN',
      `cannot listen on ${host}:${port}: ${(error as Error).message}`,
      'free that port or pick another with --port (0 picks a free one)',
      { cause: error },
    );
  }
  const address = app.server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await app.close();
      await collection.close();
    })());
  return {
    url: `http://${formatHostPort(address.address, address.port)}`,
    port: address.port,
    seed,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
