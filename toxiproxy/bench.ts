import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer } from './server.ts';

/**
 * `npm run bench:proxy`: what the embedded proxy (no toxics) costs over a
 * direct loopback connection to the same echo server, in one run: round-trip
 * latency of small messages (p50, p99, and what the proxy adds) and bulk
 * throughput. Every phase is capped in time, so the run ends by itself in
 * well under 30 s.
 */

const PING_BYTES = 64;
const WARMUP_ROUND_TRIPS = 500;
const LATENCY_PHASE_MS = 3_000;
const LATENCY_MAX_ROUND_TRIPS = 50_000;
const THROUGHPUT_BYTES = 512 * 1024 * 1024;
const THROUGHPUT_PHASE_MS = 5_000;
const WRITE_CHUNK_BYTES = 64 * 1024;
/** Hard stop for the whole run, whatever happens. */
const RUN_LIMIT_MS = 28_000;

interface LatencyResult {
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => resolve(socket));
  });
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Ping-pong one message at a time until the phase time or sample cap runs out. */
async function measureLatency(port: number): Promise<LatencyResult> {
  const socket = await connect(port);
  const message = Buffer.alloc(PING_BYTES, 'p');
  const rttsUs: number[] = [];
  await new Promise<void>((resolve, reject) => {
    let pending = 0;
    let sentAtMs = 0;
    let round = 0;
    const phaseEndMs = performance.now() + LATENCY_PHASE_MS;
    const send = (): void => {
      pending = PING_BYTES;
      sentAtMs = performance.now();
      socket.write(message);
    };
    socket.on('data', (data: Buffer) => {
      pending -= data.length;
      if (pending > 0) return;
      const nowMs = performance.now();
      round += 1;
      if (round > WARMUP_ROUND_TRIPS) rttsUs.push((nowMs - sentAtMs) * 1000);
      if (nowMs >= phaseEndMs || rttsUs.length >= LATENCY_MAX_ROUND_TRIPS) resolve();
      else send();
    });
    socket.once('error', reject);
    send();
  });
  socket.destroy();
  rttsUs.sort((a, b) => a - b);
  return { samples: rttsUs.length, p50Us: quantile(rttsUs, 0.5), p99Us: quantile(rttsUs, 0.99) };
}

/** Streams bytes through the echo with backpressure; MB/s of bytes that came back (1 MB = 10^6 bytes). */
async function measureThroughput(port: number): Promise<number> {
  const socket = await connect(port);
  const chunk = Buffer.alloc(WRITE_CHUNK_BYTES, 't');
  let writtenBytes = 0;
  let echoedBytes = 0;
  const startMs = performance.now();
  const deadlineMs = startMs + THROUGHPUT_PHASE_MS;
  await new Promise<void>((resolve, reject) => {
    const done = (): boolean => echoedBytes >= THROUGHPUT_BYTES || performance.now() >= deadlineMs;
    const pump = (): void => {
      while (writtenBytes < THROUGHPUT_BYTES && !done()) {
        writtenBytes += chunk.length;
        if (!socket.write(chunk)) return;
      }
    };
    socket.on('drain', pump);
    socket.on('data', (data: Buffer) => {
      echoedBytes += data.length;
      if (done()) resolve();
    });
    socket.once('error', reject);
    pump();
  });
  const elapsedMs = performance.now() - startMs;
  socket.destroy();
  return echoedBytes / 1e6 / (elapsedMs / 1000);
}

function row(label: string, direct: number | undefined, proxy: number, ratio = true): string {
  const cell = (value: number | undefined): string => (value === undefined ? '-' : value.toFixed(1)).padStart(10);
  const ratioText = ratio && direct !== undefined ? (proxy / direct).toFixed(2) : '-';
  return `${label.padEnd(22)}${cell(direct)}${cell(proxy)}${ratioText.padStart(14)}`;
}

async function main(): Promise<void> {
  const echo = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const echoPort = (echo.address() as AddressInfo).port;
  const toxiproxy = await startToxiproxyServer({ port: 0 });
  try {
    const proxy = await new Toxiproxy(toxiproxy.url).createProxy({
      name: 'bench',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echoPort}`,
    });
    const proxyPort = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));

    const directLatency = await measureLatency(echoPort);
    const proxyLatency = await measureLatency(proxyPort);
    const directMBps = await measureThroughput(echoPort);
    const proxyMBps = await measureThroughput(proxyPort);

    console.log('embedded toxiproxy vs direct loopback, echo server, no toxics');
    console.log(`${'metric'.padEnd(22)}${'direct'.padStart(10)}${'proxy'.padStart(10)}${'proxy/direct'.padStart(14)}`);
    console.log(row('rtt p50 (µs)', directLatency.p50Us, proxyLatency.p50Us));
    console.log(row('rtt p99 (µs)', directLatency.p99Us, proxyLatency.p99Us));
    console.log(row('added rtt p50 (µs)', undefined, proxyLatency.p50Us - directLatency.p50Us, false));
    console.log(row('added rtt p99 (µs)', undefined, proxyLatency.p99Us - directLatency.p99Us, false));
    console.log(row('throughput (MB/s)', directMBps, proxyMBps));
    console.log(
      `round trips of ${PING_BYTES} B: ${directLatency.samples} direct, ${proxyLatency.samples} proxy; ` +
        `throughput: up to ${THROUGHPUT_BYTES / 1024 / 1024} MiB or ${THROUGHPUT_PHASE_MS / 1000} s each`,
    );
    // The proxy competes with the client and the echo for one event loop, as
    // it does when a test embeds it; a proxy in its own process does better.
    console.log('client, echo server and proxy share one Node process, as when a test embeds the proxy');
  } finally {
    await toxiproxy.stop();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  }
}

const watchdog = setTimeout(() => {
  console.error(`bench:proxy: did not finish within ${RUN_LIMIT_MS / 1000} s`);
  console.error('fix: the machine may be overloaded; run it again when it is idle');
  process.exit(1);
}, RUN_LIMIT_MS);
watchdog.unref();

main().then(
  () => clearTimeout(watchdog),
  (error: unknown) => {
    console.error(`bench:proxy: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
