/**
 * Test helpers for talking to a real hub over real sockets: raw protocol-v1
 * clients (no agent logic, so a test sees exactly what the hub sends) and a
 * scrape of /metrics. Nothing here mocks the network.
 */
import WebSocket from 'ws';
import { parsePrometheusText, type MetricSamples } from '../common/prom-text.ts';
import { wsUrl } from '../protocol/v1.ts';

export interface ClientOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Raw Authorization header, for malformed values. */
  authorization?: string;
  /** Answer the hub's pings. Default true; false plays a half-open peer. */
  autoPong?: boolean;
}

/** Every raw client a test opened, terminated on dispose so no socket outlives its test. */
export class RawClients implements AsyncDisposable {
  readonly #hubUrl: string;
  readonly #sockets = new Set<WebSocket>();

  constructor(hubUrl: string) {
    this.#hubUrl = hubUrl;
  }

  /** A socket for `agentId` once its handshake completed; rejects with the HTTP status when the hub refuses the upgrade. */
  open(agentId: string, options: ClientOptions = {}): Promise<WebSocket> {
    return this.openUrl(wsUrl(this.#hubUrl, agentId), options);
  }

  openUrl(url: string, options: ClientOptions = {}): Promise<WebSocket> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    const socket = new WebSocket(url, { headers, autoPong: options.autoPong ?? true, perMessageDeflate: false });
    this.#sockets.add(socket);
    record(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(socket));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          socket.terminate();
          reject(new UpgradeRefused(res.statusCode ?? 0, body));
        });
      });
      socket.once('error', reject);
    });
  }

  /** The HTTP status the hub answers an upgrade with (101 when it accepts). */
  async upgradeStatus(url: string, options: ClientOptions = {}): Promise<number> {
    try {
      await this.openUrl(url, options);
      return 101;
    } catch (error) {
      if (error instanceof UpgradeRefused) return error.status;
      throw error;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all([...this.#sockets].map((socket) => {
      if (socket.readyState === WebSocket.CLOSED) return undefined;
      socket.terminate();
      return nextClose(socket);
    }));
  }
}

export class UpgradeRefused extends Error {
  readonly status: number;
  readonly body: string;

  constructor(status: number, body: string) {
    super(`upgrade refused with HTTP ${status}: ${body}`);
    this.status = status;
    this.body = body;
  }
}

interface Recorded {
  inbox: Record<string, unknown>[];
  waiters: ((message: Record<string, unknown>) => void)[];
  closed: Promise<{ code: number; reason: string }>;
}

const recorded = new WeakMap<WebSocket, Recorded>();

/**
 * Records frames and the close from the moment the socket exists: a hub may
 * send a frame in the same packet as its handshake answer, before a test
 * could attach a listener.
 */
function record(socket: WebSocket): void {
  const state: Recorded = {
    inbox: [],
    waiters: [],
    closed: new Promise((resolve) => socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }))),
  };
  recorded.set(socket, state);
  socket.on('error', () => {}); // a late error must not crash the test process; the close is what tests read
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    const waiter = state.waiters.shift();
    if (waiter) waiter(message);
    else state.inbox.push(message);
  });
}

function stateOf(socket: WebSocket): Recorded {
  const state = recorded.get(socket);
  if (!state) throw new Error('socket was not opened through RawClients');
  return state;
}

/**
 * Bounds a wait on the network so a missing event fails the test with a
 * readable message instead of hanging until the test timeout.
 */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The socket's close code and reason, once it has closed (recorded even if it closed before this call). */
export function nextClose(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return within(stateOf(socket).closed, 'close');
}

/** The next text frame not yet read, parsed as JSON. */
export function nextMessage(socket: WebSocket): Promise<Record<string, unknown>> {
  const state = stateOf(socket);
  const queued = state.inbox.shift();
  if (queued) return Promise.resolve(queued);
  return within(new Promise((resolve) => state.waiters.push(resolve)), 'message');
}

/** Frames received and not yet read. */
export function unread(socket: WebSocket): number {
  return stateOf(socket).inbox.length;
}

/** A ping answered by the hub: proof that a socket is still up end to end, without waiting on a clock. */
export function roundTrip(socket: WebSocket): Promise<void> {
  return within(new Promise((resolve, reject) => {
    socket.once('pong', () => resolve());
    socket.ping((error?: Error) => {
      if (error) reject(error);
    });
  }), 'pong');
}

export async function scrape(hubUrl: string, token?: string): Promise<MetricSamples> {
  const response = await fetch(new URL('/metrics', hubUrl), { headers: bearer(token) });
  if (!response.ok) throw new Error(`GET /metrics answered HTTP ${response.status}: ${await response.text()}`);
  return parsePrometheusText(await response.text());
}

/** Queues a command through the hub's admin API, as the harness does. */
export async function enqueueCommand(hubUrl: string, agentId: string, name: string, payload?: unknown, token?: string): Promise<string> {
  const response = await fetch(new URL('/admin/commands', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({ edge_agent_id: agentId, name, payload }),
  });
  if (response.status !== 201) throw new Error(`enqueue answered HTTP ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** `Authorization: Bearer <token>` when a token is given, else no header. */
export function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}
