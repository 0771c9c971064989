import { Toxiproxy } from 'toxiproxy-node-client';
import WebSocket from 'ws';
import { percentile } from '../common/stats.ts';
import { wsUrl } from '../protocol/v1.ts';
import { startToxiproxyServer } from '../toxiproxy/server.ts';
import type { HubChild } from './hub-child.ts';
import type { LatencyPercentiles, ProxyLatency } from './results.ts';
import { startToxiproxyChild } from './toxiproxy-child.ts';

/**
 * What a Toxiproxy proxy (no toxics) adds to an agent's round trips: a
 * WebSocket ping to the reference hub and its pong, one at a time, direct
 * and through the proxy, in alternating blocks so a drift in machine load
 * hits every path alike. Pings are what an agent's dead-link detection
 * rides on and the hub answers them without application code, so the
 * difference is the proxy's. Two proxies: the embedded server in the
 * client's own process (as the harness runs it, beside the fleet), and the
 * same server as a process of its own (as a standalone toxiproxy-server).
 * `npm run bench:proxy` measures raw TCP echo and throughput instead.
 */

const PING_PAYLOAD = Buffer.alloc(64, 'p');
const WARM_UP_PINGS = 300;
const BLOCK_TIMEOUT_MS = 15_000;

export interface ProxyLatencyOptions {
  hub: HubChild;
  /** Measuring time per path per round, ms. */
  blockMs: number;
  rounds: number;
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', (error) => reject(new Error(`cannot open ${url}: ${error.message}`)));
  });
}

/** Ping, wait for the pong, repeat, until blockMs has passed; round trips in µs go into `into` (if given). */
function pingBlock(socket: WebSocket, blockMs: number, into: number[] | undefined, maxPings = Infinity): Promise<void> {
  return new Promise((resolve, reject) => {
    const endMs = performance.now() + blockMs;
    let sentMs = 0;
    let count = 0;
    const timer = setTimeout(() => finish(new Error(`no pong within ${BLOCK_TIMEOUT_MS / 1000} s`)), BLOCK_TIMEOUT_MS + blockMs);
    const onPong = (): void => {
      const nowMs = performance.now();
      into?.push((nowMs - sentMs) * 1000);
      count += 1;
      if (nowMs >= endMs || count >= maxPings) finish();
      else ping();
    };
    const onClose = (): void => finish(new Error('the connection closed while measuring'));
    function ping(): void {
      sentMs = performance.now();
      socket.ping(PING_PAYLOAD);
    }
    function finish(error?: Error): void {
      clearTimeout(timer);
      socket.off('pong', onPong);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    }
    socket.on('pong', onPong);
    socket.once('close', onClose);
    ping();
  });
}

function percentiles(samplesUs: number[]): LatencyPercentiles {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  return { samples: sorted.length, p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99) };
}

async function proxyPort(toxiproxyUrl: string, name: string, upstreamPort: number): Promise<number> {
  const proxy = await new Toxiproxy(toxiproxyUrl).createProxy({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` });
  return Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
}

export async function measureProxyLatency(options: ProxyLatencyOptions): Promise<ProxyLatency> {
  const { hub } = options;
  const embedded = await startToxiproxyServer({ port: 0 });
  const standalone = await startToxiproxyChild().catch(async (error: unknown) => {
    await embedded.stop();
    throw error;
  });
  const sockets: WebSocket[] = [];
  try {
    const viaUrl = (port: number, id: string): string => wsUrl(`http://127.0.0.1:${port}`, id);
    const paths = {
      direct: await open(viaUrl(hub.port, 'bench-rtt-direct')),
      embedded: await open(viaUrl(await proxyPort(embedded.url, 'bench-rtt', hub.port), 'bench-rtt-embedded')),
      standalone: await open(viaUrl(await proxyPort(standalone.url, 'bench-rtt', hub.port), 'bench-rtt-standalone')),
    };
    sockets.push(...Object.values(paths));
    const samples = { direct: [] as number[], embedded: [] as number[], standalone: [] as number[] };
    for (const socket of sockets) await pingBlock(socket, BLOCK_TIMEOUT_MS, undefined, WARM_UP_PINGS);
    const order = ['direct', 'embedded', 'standalone'] as const;
    for (let round = 0; round < options.rounds; round++) {
      // Each round starts on another path, so no path always goes first after a pause.
      for (let i = 0; i < order.length; i++) {
        const path = order[(round + i) % order.length]!;
        await pingBlock(paths[path], options.blockMs, samples[path]);
      }
    }
    return { direct: percentiles(samples.direct), embedded: percentiles(samples.embedded), standalone: percentiles(samples.standalone) };
  } finally {
    for (const socket of sockets) socket.terminate();
    await Promise.all([embedded.stop(), standalone.stop()]);
  }
}
