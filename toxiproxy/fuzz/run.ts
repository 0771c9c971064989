import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createRng } from '../../common/rng.ts';
import { startToxiproxyServer } from '../server.ts';
import { FuzzGenerator } from './generator.ts';
import type { FuzzCall, FuzzState } from './generator.ts';

/**
 * Throws generated API calls at a real embedded server over HTTP, in batches
 * run a few at a time (so creates and deletes race). After each batch the
 * server must still answer /version and carry bytes through a fresh proxy.
 * A 5xx counts unless it is a bind failure (500 `listen tcp ...`), the one
 * server-side error a client cannot prevent.
 */

export interface FuzzOptions {
  readonly cases: number;
  readonly seed: string | number;
  /** Calls between health checks. Default 50. */
  readonly batchSize?: number;
  /** Calls in flight at once. Default 8. */
  readonly concurrency?: number;
  /** After each batch, with the totals so far. */
  readonly onBatch?: (progress: FuzzReport) => void;
}

export interface FuzzFinding {
  readonly call: FuzzCall;
  readonly status: number | 'no answer';
  readonly detail: string;
}

export interface FuzzReport {
  readonly seed: string;
  readonly cases: number;
  /** Health checks failed: /version not answering, or a new proxy not carrying data. */
  readonly crashes: number;
  /** 5xx answers to the client's own mistakes. */
  readonly serverErrors: number;
  readonly statuses: Readonly<Record<number, number>>;
  /** The first findings (at most 20), to reproduce from. */
  readonly findings: readonly FuzzFinding[];
  readonly durationMs: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

async function startEcho(): Promise<{ address: string; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function send(url: string, call: FuzzCall): Promise<{ status: number; text: string }> {
  const bodyAllowed = call.method !== 'GET' && call.method !== 'HEAD';
  const response = await fetch(`${url}${call.path}`, {
    method: call.method,
    body: bodyAllowed ? call.body : undefined,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: response.status, text: await response.text() };
}

/** Sends `data` through a new proxy and back; resolves false on any failure. */
async function carriesData(url: string, upstream: string, name: string): Promise<string | undefined> {
  const created = await send(url, { method: 'POST', path: '/proxies', body: JSON.stringify({ name, listen: '127.0.0.1:0', upstream }) });
  if (created.status !== 201) return `health proxy create answered ${created.status}: ${created.text}`;
  const [host, port] = (JSON.parse(created.text) as { listen: string }).listen.split(':');
  try {
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host, port: Number(port) });
      let received = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('no echo within 5 s'));
      }, 5_000);
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('data', (data: Buffer) => {
        received += data.toString();
        if (received.length >= 4) {
          clearTimeout(timer);
          socket.destroy();
          resolve(received);
        }
      });
      socket.write('ping');
    });
    return echoed === 'ping' ? undefined : `health proxy echoed ${JSON.stringify(echoed)}`;
  } catch (error) {
    return `health proxy did not carry data: ${(error as Error).message}`;
  } finally {
    await send(url, { method: 'DELETE', path: `/proxies/${name}` });
  }
}

async function readState(url: string, state: FuzzState): Promise<void> {
  const listing = JSON.parse((await send(url, { method: 'GET', path: '/proxies' })).text) as Record<string, { toxics: { name: string }[] }>;
  state.proxies.splice(0, state.proxies.length, ...Object.keys(listing));
  state.toxics.clear();
  for (const [name, proxy] of Object.entries(listing)) state.toxics.set(name, proxy.toxics.map((toxic) => toxic.name));
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const startMs = performance.now();
  const seed = String(options.seed);
  const batchSize = options.batchSize ?? 50;
  const concurrency = options.concurrency ?? 8;
  const echo = await startEcho();
  const server = await startToxiproxyServer({ port: 0, seed });
  const state: FuzzState = { proxies: [], toxics: new Map(), upstream: echo.address, takenListen: echo.address };
  const generator = new FuzzGenerator(createRng(seed).child('fuzz'), state);
  const statuses: Record<number, number> = {};
  const findings: FuzzFinding[] = [];
  let cases = 0;
  let crashes = 0;
  let serverErrors = 0;
  const note = (finding: FuzzFinding): void => {
    if (findings.length < 20) findings.push(finding);
  };
  const report = (): FuzzReport => ({ seed, cases, crashes, serverErrors, statuses: { ...statuses }, findings: [...findings], durationMs: Math.round(performance.now() - startMs) });

  try {
    for (let batch = 0; cases < options.cases; batch += 1) {
      const calls = Array.from({ length: Math.min(batchSize, options.cases - cases) }, () => generator.next());
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < calls.length) {
          const call = calls[next++]!;
          try {
            const { status, text } = await send(server.url, call);
            statuses[status] = (statuses[status] ?? 0) + 1;
            const bindFailure = status === 500 && /^\{"error":"listen tcp /.test(text);
            if (status >= 500 && !bindFailure) {
              serverErrors += 1;
              note({ call, status, detail: text.slice(0, 300) });
            }
          } catch (error) {
            crashes += 1;
            note({ call, status: 'no answer', detail: (error as Error).message });
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      cases += calls.length;

      const version = await send(server.url, { method: 'GET', path: '/version' }).catch((error: unknown) => ({ status: 0, text: String(error) }));
      const carried = version.status === 200 ? await carriesData(server.url, echo.address, `fuzz-health-${batch}`) : `/version answered ${version.status}: ${version.text}`;
      if (carried !== undefined) {
        crashes += 1;
        note({ call: { method: 'GET', path: '/version' }, status: version.status, detail: carried });
      }
      await readState(server.url, state);
      // Keep the number of listeners bounded: start over every 20 batches.
      if (batch % 20 === 19) {
        for (const name of state.proxies) await send(server.url, { method: 'DELETE', path: `/proxies/${encodeURIComponent(name)}` });
        await readState(server.url, state);
      }
      options.onBatch?.(report());
    }
  } finally {
    await server.stop();
    await echo.stop();
  }
  return report();
}
