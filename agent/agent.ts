import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { commandToken, sendWireRequest, type WireCommand } from '../protocol/wire.ts';
import { backoffDelayMs } from './backoff.ts';
import type { AgentObservation, Transport } from './events.ts';
import { PingGaps } from './ping-gaps.ts';
import { AgentProfile, type AgentSettings } from './profile.ts';
import { WAKE, WAKE_SLOT, wakeups, type Sleeper } from './wakeups.ts';
import type { Rng } from '../common/rng.ts';
import { Deadline } from '../common/deadline.ts';

/** What tells one agent of a fleet from another; the rest is the fleet's AgentProfile. */
export interface AgentIdentity {
  /** The agent's edge_agent_id. */
  id: string;
  /** Hub base URL, http(s)://host:port. */
  hubUrl: string;
  /** The agent's own random stream (backoff jitter). Default: the profile's fleet stream's child named by the id, made at the first backoff. */
  rng?: Rng;
  /** Source address for outgoing connections. Default: the profile's, else the OS's choice. */
  localAddress?: string;
}

export interface AgentOptions extends AgentIdentity, AgentSettings {
  rng: Rng;
}

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/** What an agent holds only while it polls. */
interface Polling {
  /** The next poll, between polls. */
  timer: NodeJS.Timeout | undefined;
  /** Aborts the poll in flight. */
  abort: AbortController | undefined;
}

/** Key of the agent's handler for its socket's events; not exported, so only AgentSocket calls it. */
const ON_SOCKET_EVENT = Symbol('onSocketEvent');

/**
 * One simulated edge agent. It keeps one WebSocket up with reconnect
 * backoff, falls back to HTTP polling while the socket is down, detects a
 * silent (half-open) link, and applies each command id once while acking
 * every delivery. How each of those is said on the hub's wire (URLs, frames,
 * heartbeats, acks, polls) is its protocol's (protocol/wire.ts, in the
 * profile): the agent keeps the policy, the protocol the wire.
 *
 * A fleet holds thousands in one process, so an agent keeps only what is its
 * own: settings live in a shared AgentProfile, its liveness deadline and
 * reconnect delay are a slot in the process's one wake queue (wakeups.ts),
 * its socket reports to it without listener closures (AgentSocket), and
 * what it needs only sometimes (the applied-ids set, the polling state,
 * the stop promise) is made when first needed.
 */
export class EdgeAgent implements Sleeper {
  readonly id: string;
  readonly #profile: AgentProfile;
  readonly #hubUrl: string;
  /** Made at the first backoff when the fleet's profile supplies it: most agents of a steady fleet never draw. */
  #rng: Rng | undefined;
  readonly #wsOptions: WebSocket.ClientOptions;
  /** Command ids applied; made at the first command. */
  #applied: Set<string> | undefined;
  #state: State = 'idle';
  #socket: AgentSocket | undefined;
  #conn = 0;
  /** Reconnect attempts since the backoff last reset; 0 for the first connection. */
  #attempt = 0;
  /** performance.now() of the last frame or ping. A double from the start: a 0 later turned double makes V8 migrate every agent's shape. */
  #lastHeardAt = Number.NaN;
  /** The open connection's pings; set from its open to its close, so it also says the socket opened. */
  #pingGaps: PingGaps | undefined;
  #closingBy: 'dead' | 'stop' | undefined;
  /** The close the hub asked for inside the socket (a protocol's disconnect frame), reported as the hub's. */
  #hubClose: { code: number; reason: string; refused: boolean } | undefined;
  /** This connection already reported a frame its protocol did not recognise (one report per connection). */
  #misreadConn = 0;
  /** The agent's own heartbeats, for a protocol whose agents send them; with its counter. */
  #beat: { timer: NodeJS.Timeout; seq: number } | undefined;
  /** Why the connection being attempted failed, when it did before opening. */
  #failure: { error: string; status?: number } | undefined;
  #resetTimer: NodeJS.Timeout | undefined;
  #polling: Polling | undefined;
  /** WebSocket acks sent this turn of the event loop, recorded as one observation (a fleet can be 10,000 agents). */
  #wsAcks: { conn: number; ids: string[] } | undefined;
  /** Set by stop() while it waits for the socket to close. */
  #stopped: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  [WAKE_SLOT] = -1;

  /** A standalone agent with its own settings. */
  constructor(options: AgentOptions);
  /** One agent of a fleet: its identity, and the settings the fleet's agents share. */
  constructor(identity: AgentIdentity, profile: AgentProfile);
  constructor(identity: AgentIdentity, profile?: AgentProfile) {
    this.id = identity.id;
    this.#profile = profile ?? new AgentProfile(identity as AgentOptions);
    this.#hubUrl = identity.hubUrl;
    this.#rng = identity.rng;
    this.#wsOptions = this.#profile.wsOptions(identity.localAddress ?? this.#profile.localAddress);
  }

  get connected(): boolean {
    return this.#state === 'open';
  }

  get polling(): boolean {
    return this.#polling !== undefined;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#connect();
  }

  /** Closes the socket (1000), stops polling and every timer. Resolves once the socket has closed. */
  stop(): Promise<void> {
    if (this.#state !== 'stopped') {
      const socket = this.#socket;
      this.#state = 'stopped';
      this.#clearTimers();
      this.#stopPolling(false);
      if (socket && socket.readyState !== WebSocket.CLOSED) this.#stopped = this.#closeForStop(socket);
    }
    return this.#stopped ?? Promise.resolve();
  }

  async #closeForStop(socket: AgentSocket): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve));
    this.#closingBy = 'stop';
    socket.close(1000, 'agent stopping');
    const forceTimer = setTimeout(() => socket.terminate(), 2_000);
    await closed;
    clearTimeout(forceTimer);
  }

  #observe(observation: AgentObservation): void {
    this.#profile.observe(observation, this.id);
  }

  #connect(): void {
    this.#state = 'connecting';
    this.#failure = undefined;
    this.#observe({ type: 'ws.connecting', attempt: this.#attempt });
    const wire = this.#profile.wire;
    this.#socket = new AgentSocket(wire.socketUrl(this.#hubUrl, this.id), wire.subprotocols, this.#wsOptions, this);
  }

  /**
   * Every event of the agent's socket; false for those it leaves to the socket (upgrade, pong, ...).
   * @internal Not in the shipped types: its `ws` parameter type would make every consumer install @types/ws.
   */
  [ON_SOCKET_EVENT](socket: AgentSocket, event: string | symbol, args: unknown[]): boolean {
    switch (event) {
      case 'open':
        this.#onOpen();
        return true;
      case 'message':
        this.#lastHeardAt = performance.now();
        if (!args[1]) this.#onFrame((args[0] as Buffer).toString());
        return true;
      case 'ping':
        this.#lastHeardAt = performance.now();
        this.#pingGaps?.ping(this.#lastHeardAt);
        return true;
      case 'close':
        this.#onClose(args[0] as number, args[1] as Buffer);
        return true;
      case 'error':
        this.#failure ??= { error: (args[0] as Error).message };
        return true;
      case 'unexpected-response': {
        const res = args[1] as IncomingMessage;
        this.#failure = { error: `hub answered the upgrade with HTTP ${res.statusCode}`, status: res.statusCode };
        res.resume();
        socket.terminate();
        return true;
      }
      default:
        return false;
    }
  }

  #onOpen(): void {
    this.#state = 'open';
    this.#conn++;
    const now = performance.now();
    this.#lastHeardAt = now;
    this.#pingGaps = new PingGaps(now);
    this.#observe({ type: 'ws.open', conn: this.#conn });
    const { resetAfterMs } = this.#profile.backoff;
    if (resetAfterMs <= 0) this.#attempt = 0;
    else this.#resetTimer = setTimeout(() => (this.#attempt = 0), resetAfterMs);
    this.#stopPolling(true);
    const wire = this.#profile.wire;
    for (const frame of wire.opening(this.id)) this.#socket?.send(frame);
    if (wire.heartbeat) {
      const { everyMs, frame } = wire.heartbeat;
      const beat = { seq: 0, timer: setInterval(() => this.#socket?.send(frame(this.id, ++beat.seq)), everyMs) };
      this.#beat = beat;
    }
    // The liveness check: woken when the link could first be dead, and again at each new deadline until it is.
    wakeups.at(this, now + this.#profile.deadAfterMs);
  }

  #onClose(code: number, reasonBuffer: Buffer): void {
    this.#flushWsAcks();
    const by = this.#closingBy ?? 'remote';
    this.#closingBy = undefined;
    const hubClose = this.#hubClose;
    this.#hubClose = undefined;
    if (hubClose) {
      code = hubClose.code;
      reasonBuffer = Buffer.from(hubClose.reason);
    }
    this.#stopBeat();
    this.#socket = undefined;
    wakeups.cancel(this);
    clearTimeout(this.#resetTimer);
    const pingGaps = this.#pingGaps;
    if (pingGaps) {
      const now = performance.now();
      const pings = pingGaps.close(now);
      this.#pingGaps = undefined;
      this.#observe({ type: 'ws.close', conn: this.#conn, code, reason: reasonBuffer.toString(), openMs: Math.round(now - pingGaps.openedAt), by, ...pings, ...(hubClose?.refused ? { refused: true } : {}) });
    } else if (by !== 'stop') {
      this.#observe({ type: 'ws.failed', attempt: this.#attempt, ...(this.#failure ?? { error: `closed before open (code ${code})` }) });
    }
    this.#failure = undefined;
    const resolveClosed = this.#resolveClosed;
    this.#resolveClosed = undefined;
    resolveClosed?.();
    if (this.#state === 'stopped') return;
    this.#startPolling();
    this.#scheduleReconnect();
  }

  /** The wake queue calls this: the liveness deadline while open, the end of the backoff while waiting. */
  [WAKE](now: number): void {
    if (this.#state === 'waiting') return this.#connect();
    if (this.#state !== 'open') return;
    const silentMs = now - this.#lastHeardAt;
    const deadAfterMs = this.#profile.deadAfterMs;
    if (silentMs < deadAfterMs) return wakeups.at(this, this.#lastHeardAt + deadAfterMs);
    this.#observe({ type: 'ws.dead', conn: this.#conn, silentMs: Math.round(silentMs) });
    this.#closingBy = 'dead';
    this.#socket?.terminate();
  }

  #scheduleReconnect(): void {
    this.#state = 'waiting';
    this.#attempt++;
    const delayMs = backoffDelayMs(this.#profile.backoff, this.#attempt, (this.#rng ??= this.#profile.agentRng(this.id)));
    this.#observe({ type: 'reconnect.scheduled', attempt: this.#attempt, delayMs });
    wakeups.at(this, performance.now() + delayMs);
  }

  #onFrame(text: string): void {
    const frame = this.#profile.wire.read(text, this.id);
    switch (frame.kind) {
      case 'command':
        this.#apply(frame.command, 'ws');
        if (frame.ack === undefined) return;
        this.#socket?.send(frame.ack);
        this.#noteWsAck(frame.command.id);
        return;
      case 'heartbeat':
        this.#pingGaps?.ping(this.#lastHeardAt);
        if (frame.reply !== undefined) this.#socket?.send(frame.reply);
        return;
      case 'control':
        if (frame.reply) for (const reply of frame.reply) this.#socket?.send(reply);
        return;
      case 'disconnect':
        // The history keeps the hub's own code and whole reason; the close frame carries what fits (ws throws past 123 bytes).
        this.#hubClose = { code: frame.code, reason: frame.reason, refused: frame.refused === true };
        this.#socket?.close(1000, closeFrameReason(frame.reason));
        return;
      case 'unrecognised':
        this.#misread('ws', frame.why);
        return;
    }
  }

  /** Reports, once per connection (or poll session), what the protocol could not read: the profile does not fit the hub. */
  #misread(transport: Transport, why: string): void {
    const key = transport === 'ws' ? this.#conn : -1;
    if (this.#misreadConn === key) return;
    this.#misreadConn = key;
    this.#observe({ type: 'wire.unrecognised', transport, why, ...(transport === 'ws' ? { conn: this.#conn } : {}) });
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
    if (batch) this.#observe({ type: 'command.acked', transport: 'ws', conn: batch.conn, ids: batch.ids });
  }

  #hasApplied(id: string): boolean {
    return this.#applied?.has(id) ?? false;
  }

  /** Applies a command once per id; the caller acks every delivery, repeats included. */
  #apply(command: WireCommand, transport: Transport): void {
    const repeat = this.#hasApplied(command.id);
    if (!repeat) (this.#applied ??= new Set()).add(command.id);
    const token = commandToken(command.payload);
    this.#observe({ type: 'command', id: command.id, name: command.name, transport, repeat, ...(transport === 'ws' ? { conn: this.#conn } : {}), ...(token === undefined ? {} : { token }) });
  }

  #startPolling(): void {
    if (this.#polling || !this.#profile.wire.polling) return;
    this.#polling = { timer: undefined, abort: undefined };
    this.#observe({ type: 'poll.started' });
    void this.#pollOnce();
  }

  #stopPolling(observe: boolean): void {
    const polling = this.#polling;
    if (!polling) return;
    this.#polling = undefined;
    clearTimeout(polling.timer);
    polling.abort?.abort();
    if (observe) this.#observe({ type: 'poll.paused' });
  }

  async #pollOnce(): Promise<void> {
    // The deadline covers the poll, its body and the acks it posts; pausing polling aborts it early.
    const httpTimeoutMs = this.#profile.httpTimeoutMs;
    const deadline = new Deadline(httpTimeoutMs);
    if (this.#polling) this.#polling.abort = deadline;
    const signal = deadline.signal;
    // Paging extension: the hub holds more than this answer. The next page comes at once, but only after
    // this one was acked and brought something new, so a hub that keeps answering the same page cannot spin us.
    let nextPageNow = false;
    const polling = this.#profile.wire.polling!;
    try {
      const response = await sendWireRequest(this.#hubUrl, polling.request(this.id), signal);
      if (!response.ok) {
        await response.body?.cancel();
        this.#observe({ type: 'poll', ok: false, commands: 0, status: response.status });
      } else {
        const answer = polling.read(await response.json());
        if (!answer.ok) {
          this.#observe({ type: 'poll', ok: false, commands: 0, status: response.status, error: answer.why });
          this.#misread('poll', answer.why);
        } else {
          const { commands } = answer;
          this.#observe({ type: 'poll', ok: true, commands: commands.length });
          const anyNew = commands.some((c) => !this.#hasApplied(c.id));
          for (const command of commands) this.#apply(command, 'poll');
          const acked = commands.length > 0 && (await this.#postAcks(commands, signal));
          nextPageNow = answer.more && anyNew && acked;
        }
      }
    } catch (error) {
      if (signal.aborted && !deadline.expired) return; // polling paused or agent stopped: not a failure
      this.#observe({ type: 'poll', ok: false, commands: 0, error: deadline.expired ? `no answer within ${httpTimeoutMs} ms` : errorText(error) });
    } finally {
      deadline.clear();
    }
    if (this.#polling) this.#polling.timer = setTimeout(() => void this.#pollOnce(), nextPageNow ? 0 : this.#profile.pollIntervalMs);
  }

  /** True when the hub took every ack (a protocol without poll acks: there is nothing to take). */
  async #postAcks(commands: readonly WireCommand[], signal: AbortSignal): Promise<boolean> {
    let all = true;
    for (const { ids, request } of this.#profile.wire.polling!.acks(this.id, commands)) {
      try {
        const response = await sendWireRequest(this.#hubUrl, request, signal);
        await response.body?.cancel();
        if (!response.ok) this.#observe({ type: 'ack.failed', ids, transport: 'poll', error: `HTTP ${response.status}` });
        else this.#observe({ type: 'command.acked', transport: 'poll', ids, status: response.status });
        all &&= response.ok;
      } catch (error) {
        // Un-acked commands stay pending at the hub and come again; the failure is worth recording.
        this.#observe({ type: 'ack.failed', ids, transport: 'poll', error: errorText(error) });
        return false;
      }
    }
    return all;
  }

  #clearTimers(): void {
    wakeups.cancel(this);
    clearTimeout(this.#resetTimer);
    this.#stopBeat();
  }

  #stopBeat(): void {
    if (!this.#beat) return;
    clearInterval(this.#beat.timer);
    this.#beat = undefined;
  }
}

/**
 * The agent's WebSocket: its events go straight to its agent, so a socket
 * carries no listener closures and no listener table (six per socket, at
 * 5,000 agents about 0.6 KiB each). Events the agent does not handle go to
 * ordinary listeners as usual.
 */
class AgentSocket extends WebSocket {
  readonly #agent: EdgeAgent;

  constructor(url: string, subprotocols: readonly string[], options: WebSocket.ClientOptions, agent: EdgeAgent) {
    if (subprotocols.length > 0) super(url, subprotocols as string[], options);
    else super(url, options);
    this.#agent = agent;
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    return this.#agent[ON_SOCKET_EVENT](this, event, args) || super.emit(event, ...args);
  }
}

/** A close frame's reason holds at most 123 bytes (RFC 6455 5.5): a longer one is cut at a character. */
function closeFrameReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
