import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer } from './server.ts';

/**
 * Fixtures for the conformance suite: the server under test (embedded, or a
 * real Toxiproxy named by TOXIPROXY_URL), small TCP servers on loopback port
 * 0, and a client socket that records what happened to it so tests wait on
 * events instead of sleeping.
 */

/** A real Toxiproxy to run the suite against instead of the embedded server. */
export const REAL_TOXIPROXY_URL = process.env['TOXIPROXY_URL']?.replace(/\/+$/, '');

/** How long a wait may take before the test fails with a message saying what it waited for. */
const WAIT_MS = 10_000;

export interface Target {
  readonly url: string;
  readonly client: Toxiproxy;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export async function openTarget(): Promise<Target> {
  if (REAL_TOXIPROXY_URL !== undefined) {
    const { hostname } = new URL(REAL_TOXIPROXY_URL);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
      throw new Error(`TOXIPROXY_URL must be a loopback address, got ${REAL_TOXIPROXY_URL}; run toxiproxy-server on 127.0.0.1`);
    }
    return { url: REAL_TOXIPROXY_URL, client: new Toxiproxy(REAL_TOXIPROXY_URL), embedded: false, stop: async () => {} };
  }
  const server = await startToxiproxyServer({ port: 0 });
  return { url: server.url, client: new Toxiproxy(server.url), embedded: true, stop: () => server.stop() };
}

/** Names unique to this run, so a shared real Toxiproxy never sees a clash. */
const RUN_ID = randomBytes(3).toString('hex');
let nameCounter = 0;
export function uniqueName(label: string): string {
  nameCounter += 1;
  return `conf_${label}_${RUN_ID}_${nameCounter}`;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json(): unknown;
}

/** For what the client cannot express: status codes, headers, error bodies. */
export async function rawRequest(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const init: RequestInit = { method, headers: { 'user-agent': 'edge-chaos-conformance', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${url}${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

export interface TcpServerFixture {
  readonly address: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Bytes received over all connections. */
  readonly receivedBytes: number;
  stop(): Promise<void>;
}

/** A TCP server on 127.0.0.1:0 running `handle` for each connection. */
export async function startTcpServer(handle: (socket: Socket) => void): Promise<TcpServerFixture> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let receivedBytes = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (data: Buffer) => {
      receivedBytes += data.length;
    });
    handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    get receivedBytes() {
      return receivedBytes;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function startEchoServer(): Promise<TcpServerFixture> {
  return startTcpServer((socket) => socket.pipe(socket));
}

/** A loopback port nothing listens on (bound once, then released). */
export async function closedLoopbackPort(): Promise<number> {
  const probe = await startTcpServer(() => {});
  await probe.stop();
  return probe.port;
}

/** A client socket that records what arrives and when, and can be waited on. */
export class TestClient {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  dataEvents = 0;
  endedAtMs: number | undefined;
  closedAtMs: number | undefined;
  error: NodeJS.ErrnoException | undefined;
  readonly #listeners = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      this.dataEvents += 1;
      this.#notify();
    });
    socket.on('end', () => {
      this.endedAtMs = performance.now();
      this.#notify();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
      this.#notify();
    });
    socket.on('close', () => {
      this.closedAtMs = performance.now();
      this.#notify();
    });
  }

  /** Connects to `host:port`; rejects with the socket error (ECONNREFUSED ...). */
  static connect(address: string): Promise<TestClient> {
    const [host, port] = splitAddress(address);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new TestClient(socket));
      });
    });
  }

  get closed(): boolean {
    return this.closedAtMs !== undefined;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves when `count` bytes in total have arrived; rejects if the socket closes first. */
  waitForBytes(count: number, timeoutMs = WAIT_MS): Promise<number> {
    return this.#waitFor(() => this.received.length >= count, `${count} bytes (have ${this.received.length})`, timeoutMs, true);
  }

  /** Resolves once the socket is fully closed (by the peer or by an error). */
  waitForClose(timeoutMs = WAIT_MS): Promise<number> {
    return this.#waitFor(() => this.closed, 'the socket to close', timeoutMs, false);
  }

  waitForEnd(timeoutMs = WAIT_MS): Promise<number> {
    return this.#waitFor(() => this.endedAtMs !== undefined, 'EOF', timeoutMs, false);
  }

  /** Sends `data` and waits until as many more bytes came back; resolves with the round trip in ms. */
  async roundTrip(data: string | Buffer): Promise<number> {
    const startMs = performance.now();
    const target = this.received.length + Buffer.byteLength(data);
    this.send(data);
    const doneMs = await this.waitForBytes(target);
    return doneMs - startMs;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #waitFor(done: () => boolean, what: string, timeoutMs: number, failOnClose: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (done()) {
          finish();
          resolve(performance.now());
        } else if (failOnClose && this.closed) {
          finish();
          reject(new Error(`socket closed (${this.error?.code ?? 'no error'}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

/** The value of one Prometheus sample whose labels include `labels`, or 0. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return 0;
}

/** Resolves after `ms`; only to pace what a test sends, never to wait for an outcome. */
export function pace(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
