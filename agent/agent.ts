import WebSocket from 'ws';
import {
  ACKS_PATH,
  DEAD_AFTER_PING_INTERVALS,
  DEFAULT_PING_INTERVAL_MS,
  decodeHubMessage,
  encodeAck,
  pollUrl,
  wsUrl,
  type Command,
  type PollResponse,
} from '../protocol/v1.ts';
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions, type ResolvedBackoff } from './backoff.ts';
import type { AgentObservation, Transport } from './events.ts';
import { PingGaps } from './ping-gaps.ts';
import type { Rng } from '../common/rng.ts';

export interface AgentOptions {
  /** The agent's edge_agent_id. */
  id: string;
  /** Hub base URL, http(s)://host:port. */
  hubUrl: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  backoff?: BackoffOptions;
  /** The hub's ping interval the agent expects, ms; silence for 2.5 times this is a dead link. Default 10_000. */
  pingIntervalMs?: number;
  /** Interval between HTTP polls while the WebSocket is down, ms. Default 2_000. */
  pollIntervalMs?: number;
  /** Give up on one HTTP request after this long, ms. Default 5_000. */
  httpTimeoutMs?: number;
  /** Give up on one WebSocket handshake after this long, ms. Default 10_000. */
  handshakeTimeoutMs?: number;
  /** Source address for outgoing connections (spreads ports over 127.0.0.0/8). Default: the OS's choice. */
  localAddress?: string;
  rng: Rng;
  /** Receives every observation; the fleet stamps time and agent id. */
  observe: (observation: AgentObservation) => void;
}

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/**
 * One simulated edge agent: the client side of protocol v1. It keeps one
 * WebSocket up with reconnect backoff, falls back to HTTP polling while the
 * socket is down, detects a silent (half-open) link, and applies each command
 * id once while acking every delivery.
 */
export class EdgeAgent {
  readonly id: string;
  readonly #opts: AgentOptions;
  readonly #backoff: ResolvedBackoff;
  readonly #deadAfterMs: number;
  readonly #applied = new Set<string>();
  #state: State = 'idle';
  #socket: WebSocket | undefined;
  #conn = 0;
  /** Reconnect attempts since the backoff last reset; 0 for the first connection. */
  #attempt = 0;
  #openedAt = 0;
  #lastHeardAt = 0;
  #pingGaps: PingGaps | undefined;
  #closingBy: 'dead' | 'stop' | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #livenessTimer: NodeJS.Timeout | undefined;
  #resetTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #polling = false;
  #pollAbort: AbortController | undefined;
  /** WebSocket acks sent this turn of the event loop, recorded as one observation (a fleet can be 10,000 agents). */
  #wsAcks: { conn: number; ids: string[] } | undefined;
  #closed: Promise<void> = Promise.resolve();
  #resolveClosed: (() => void) | undefined;

  constructor(options: AgentOptions) {
    this.id = options.id;
    this.#opts = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#deadAfterMs = (options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS) * DEAD_AFTER_PING_INTERVALS;
  }

  get connected(): boolean {
    return this.#state === 'open';
  }

  get polling(): boolean {
    return this.#polling;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#connect();
  }

  /** Closes the socket (1000), stops polling and every timer. Resolves once the socket has closed. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return this.#closed;
    const socket = this.#socket;
    this.#state = 'stopped';
    this.#clearTimers();
    this.#stopPolling(false);
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      this.#closingBy = 'stop';
      socket.close(1000, 'agent stopping');
      const forceTimer = setTimeout(() => socket.terminate(), 2_000);
      await this.#closed;
      clearTimeout(forceTimer);
    }
  }

  #connect(): void {
    this.#state = 'connecting';
    this.#opts.observe({ type: 'ws.connecting', attempt: this.#attempt });
    const headers: Record<string, string> = {};
    if (this.#opts.token) headers.authorization = `Bearer ${this.#opts.token}`;
    const socket = new WebSocket(wsUrl(this.#opts.hubUrl, this.id), {
      headers,
      handshakeTimeout: this.#opts.handshakeTimeoutMs ?? 10_000,
      localAddress: this.#opts.localAddress,
      perMessageDeflate: false,
    });
    this.#socket = socket;
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    let opened = false;
    let failure: { error: string; status?: number } | undefined;

    socket.on('unexpected-response', (_req, res) => {
      failure = { error: `hub answered the upgrade with HTTP ${res.statusCode}`, status: res.statusCode };
      res.resume();
      socket.terminate();
    });
    socket.on('error', (error) => {
      failure ??= { error: error.message };
    });
    socket.on('open', () => {
      opened = true;
      this.#onOpen();
    });
    socket.on('message', (data, isBinary) => {
      this.#lastHeardAt = performance.now();
      if (!isBinary) this.#onFrame(data.toString());
    });
    socket.on('ping', () => {
      this.#lastHeardAt = performance.now();
      this.#pingGaps?.ping(this.#lastHeardAt);
    });
    socket.on('close', (code, reasonBuffer) => {
      this.#flushWsAcks();
      const by = this.#closingBy ?? 'remote';
      this.#closingBy = undefined;
      this.#socket = undefined;
      clearTimeout(this.#livenessTimer);
      clearTimeout(this.#resetTimer);
      if (opened) {
        const now = performance.now();
        const pings = this.#pingGaps!.close(now);
        this.#pingGaps = undefined;
        this.#opts.observe({ type: 'ws.close', conn: this.#conn, code, reason: reasonBuffer.toString(), openMs: Math.round(now - this.#openedAt), by, ...pings });
      } else if (by !== 'stop') {
        this.#opts.observe({ type: 'ws.failed', attempt: this.#attempt, ...(failure ?? { error: `closed before open (code ${code})` }) });
      }
      this.#resolveClosed?.();
      if (this.#state === 'stopped') return;
      this.#startPolling();
      this.#scheduleReconnect();
    });
  }

  #onOpen(): void {
    this.#state = 'open';
    this.#conn++;
    this.#openedAt = this.#lastHeardAt = performance.now();
    this.#pingGaps = new PingGaps(this.#openedAt);
    this.#opts.observe({ type: 'ws.open', conn: this.#conn });
    if (this.#backoff.resetAfterMs <= 0) this.#attempt = 0;
    else this.#resetTimer = setTimeout(() => (this.#attempt = 0), this.#backoff.resetAfterMs);
    this.#stopPolling(true);
    this.#armLiveness(this.#deadAfterMs);
  }

  /** One timer per agent, re-armed once per window rather than once per frame. */
  #armLiveness(inMs: number): void {
    this.#livenessTimer = setTimeout(() => {
      const silentMs = performance.now() - this.#lastHeardAt;
      if (silentMs < this.#deadAfterMs) return this.#armLiveness(this.#deadAfterMs - silentMs);
      this.#opts.observe({ type: 'ws.dead', conn: this.#conn, silentMs: Math.round(silentMs) });
      this.#closingBy = 'dead';
      this.#socket?.terminate();
    }, inMs);
  }

  #scheduleReconnect(): void {
    this.#state = 'waiting';
    this.#attempt++;
    const delayMs = backoffDelayMs(this.#backoff, this.#attempt, this.#opts.rng);
    this.#opts.observe({ type: 'reconnect.scheduled', attempt: this.#attempt, delayMs });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
  }

  #onFrame(text: string): void {
    const decoded = decodeHubMessage(text);
    if (!decoded.ok) return;
    if (!this.#apply(decoded.message, 'ws')) return;
    this.#socket?.send(encodeAck(decoded.message.id));
    this.#noteWsAck(decoded.message.id);
  }

  #noteWsAck(id: string): void {
    if (this.#wsAcks && this.#wsAcks.conn !== this.#conn) this.#flushWsAcks();
    if (!this.#wsAcks) {
      this.#wsAcks = { conn: this.#conn, ids: [] };
      setImmediate(() => this.#flushWsAcks());
    }
    this.#wsAcks.ids.push(id);
  }

  #flushWsAcks(): void {
    const batch = this.#wsAcks;
    this.#wsAcks = undefined;
    if (batch) this.#opts.observe({ type: 'command.acked', transport: 'ws', conn: batch.conn, ids: batch.ids });
  }

  /** Applies a command once per id; returns true so the caller acks every delivery, repeats included. */
  #apply(command: Command, transport: Transport): boolean {
    const repeat = this.#applied.has(command.id);
    if (!repeat) this.#applied.add(command.id);
    this.#opts.observe({ type: 'command', id: command.id, name: command.name, transport, repeat, ...(transport === 'ws' ? { conn: this.#conn } : {}) });
    return true;
  }

  #startPolling(): void {
    if (this.#polling) return;
    this.#polling = true;
    this.#opts.observe({ type: 'poll.started' });
    void this.#pollOnce();
  }

  #stopPolling(observe: boolean): void {
    if (!this.#polling) return;
    this.#polling = false;
    clearTimeout(this.#pollTimer);
    this.#pollAbort?.abort();
    if (observe) this.#opts.observe({ type: 'poll.paused' });
  }

  async #pollOnce(): Promise<void> {
    const abort = (this.#pollAbort = new AbortController());
    const signal = abort.signal;
    // Our own timer, not AbortSignal.any([..., AbortSignal.timeout()]): on Node 20 the combined signal
    // holds its sources weakly, a collected timeout signal never fires, and a poll to a hub that died
    // mid-request hung for good (seen at 5,000 agents: an agent stopped polling for the rest of a crash).
    let timedOut = false;
    const httpTimeoutMs = this.#opts.httpTimeoutMs ?? 5_000;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, httpTimeoutMs);
    // Paging extension: the hub holds more than this answer. The next page comes at once, but only after
    // this one was acked and brought something new, so a hub that keeps answering the same page cannot spin us.
    let nextPageNow = false;
    try {
      const response = await fetch(pollUrl(this.#opts.hubUrl, this.id), { headers: this.#authHeaders(), signal });
      if (!response.ok) {
        await response.body?.cancel();
        this.#opts.observe({ type: 'poll', ok: false, commands: 0, status: response.status });
      } else {
        const body = (await response.json()) as PollResponse;
        const commands = Array.isArray(body.commands) ? body.commands : [];
        this.#opts.observe({ type: 'poll', ok: true, commands: commands.length });
        const valid = commands.filter((c) => typeof c?.id === 'string');
        const anyNew = valid.some((c) => !this.#applied.has(c.id));
        const ids = valid.filter((c) => this.#apply(c, 'poll')).map((c) => c.id);
        const acked = ids.length > 0 && (await this.#postAcks(ids, signal));
        nextPageNow = body.more === true && anyNew && acked;
      }
    } catch (error) {
      if (abort.signal.aborted && !timedOut) return; // polling paused or agent stopped: not a failure
      this.#opts.observe({ type: 'poll', ok: false, commands: 0, error: timedOut ? `no answer within ${httpTimeoutMs} ms` : errorText(error) });
    } finally {
      clearTimeout(timer);
    }
    if (this.#polling) this.#pollTimer = setTimeout(() => void this.#pollOnce(), nextPageNow ? 0 : this.#opts.pollIntervalMs ?? 2_000);
  }

  /** True when the hub took the acks. */
  async #postAcks(ids: string[], signal: AbortSignal): Promise<boolean> {
    try {
      const response = await fetch(new URL(ACKS_PATH, this.#opts.hubUrl), {
        method: 'POST',
        headers: { ...this.#authHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify({ edge_agent_id: this.id, ids }),
        signal,
      });
      await response.body?.cancel();
      if (!response.ok) this.#opts.observe({ type: 'ack.failed', ids, transport: 'poll', error: `HTTP ${response.status}` });
      else this.#opts.observe({ type: 'command.acked', transport: 'poll', ids, status: response.status });
      return response.ok;
    } catch (error) {
      // Un-acked commands stay pending at the hub and come again; the failure is worth recording.
      this.#opts.observe({ type: 'ack.failed', ids, transport: 'poll', error: errorText(error) });
      return false;
    }
  }

  #authHeaders(): Record<string, string> {
    return this.#opts.token ? { authorization: `Bearer ${this.#opts.token}` } : {};
  }

  #clearTimers(): void {
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#livenessTimer);
    clearTimeout(this.#resetTimer);
    clearTimeout(this.#pollTimer);
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
