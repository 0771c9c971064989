import type WebSocket from 'ws';
import { DEAD_AFTER_PING_INTERVALS, DEFAULT_PING_INTERVAL_MS } from '../protocol/v1.ts';
import { builtInProtocol } from '../protocol/registry.ts';
import type { AgentWire, Protocol } from '../protocol/wire.ts';
import { DEFAULT_BACKOFF, type BackoffOptions, type ResolvedBackoff } from './backoff.ts';
import type { AgentObservation } from './events.ts';
import type { Rng } from '../common/rng.ts';

/** The options every agent of a fleet has in common. */
export interface AgentSettings {
  /** The hub's wire (protocol/wire.ts), built once for the fleet. Default: protocol v1 with `token`. */
  protocol?: Protocol;
  /** Sent as `Authorization: Bearer <token>` when set, by protocol v1; a given `protocol` was built with its own. */
  token?: string;
  backoff?: BackoffOptions;
  /** The hub's heartbeat interval the agent expects, ms; silence for 2.5 times this is a dead link. Default: the protocol's, else 10_000. */
  pingIntervalMs?: number;
  /** Interval between HTTP polls while the WebSocket is down, ms. Default 2_000. */
  pollIntervalMs?: number;
  /** Give up on one HTTP request after this long, ms. Default 5_000. */
  httpTimeoutMs?: number;
  /** Give up on one WebSocket handshake after this long, ms. Default 10_000. */
  handshakeTimeoutMs?: number;
  /** Source address for outgoing connections (spreads ports over 127.0.0.0/8). Default: the OS's choice. */
  localAddress?: string;
  /** Receives every observation with the id of the agent that made it; a fleet stamps time and agent id. */
  observe: (observation: AgentObservation, agentId: string) => void;
}

/**
 * Settings resolved once and shared by every agent of a fleet, rather than
 * copied into each: the backoff, the dead-link threshold, the hub's wire
 * (its protocol, whose headers every upgrade and poll carries) and the `ws`
 * options (one object per source address). At 5,000 agents per process
 * every per-agent object shows in the fleet's memory.
 */
export class AgentProfile {
  readonly backoff: ResolvedBackoff;
  /** Silence on an open WebSocket for this long is a dead link, ms. */
  readonly deadAfterMs: number;
  readonly pollIntervalMs: number;
  readonly httpTimeoutMs: number;
  /** The hub's wire, as the agent speaks it. */
  readonly wire: AgentWire;
  /** The protocol's name, for messages. */
  readonly protocolName: string;
  readonly observe: AgentSettings['observe'];
  /** Source address of agents that bring none of their own. */
  readonly localAddress: string | undefined;
  readonly #handshakeTimeoutMs: number;
  readonly #fleetRng: Rng | undefined;
  readonly #wsOptions = new Map<string | undefined, WebSocket.ClientOptions>();

  /** `fleetRng`: the stream whose child, named by the agent id, is the stream of an agent that brings none of its own. */
  constructor(settings: AgentSettings, fleetRng?: Rng) {
    this.backoff = { ...DEFAULT_BACKOFF, ...settings.backoff };
    const protocol = settings.protocol ?? builtInProtocol('v1', { token: settings.token });
    this.wire = protocol.agent;
    this.protocolName = protocol.name;
    this.deadAfterMs = (settings.pingIntervalMs ?? protocol.heartbeatIntervalMs ?? DEFAULT_PING_INTERVAL_MS) * DEAD_AFTER_PING_INTERVALS;
    this.pollIntervalMs = settings.pollIntervalMs ?? 2_000;
    this.httpTimeoutMs = settings.httpTimeoutMs ?? 5_000;
    this.observe = settings.observe;
    this.localAddress = settings.localAddress;
    this.#handshakeTimeoutMs = settings.handshakeTimeoutMs ?? 10_000;
    this.#fleetRng = fleetRng;
  }

  /** The random stream of the agent `agentId`, when it brings none of its own. */
  agentRng(agentId: string): Rng {
    if (!this.#fleetRng) throw new Error(`agent ${agentId} has no random stream: give it one, or give its AgentProfile a fleet stream`);
    return this.#fleetRng.child(agentId);
  }

  /**
   * The `ws` client options for a source address; one shared object per address (ws copies what it uses).
   * @internal Not in the shipped types: its `ws` return type would make every consumer install @types/ws.
   */
  wsOptions(localAddress: string | undefined): WebSocket.ClientOptions {
    let options = this.#wsOptions.get(localAddress);
    if (!options) {
      // perMessageDeflate off: protocol v1 frames are small JSON and the reference hub does not offer it.
      options = { headers: this.wire.headers, handshakeTimeout: this.#handshakeTimeoutMs, perMessageDeflate: false };
      // Only when set: a `localAddress: undefined` key costs each connect about 3 KiB of garbage in net.Socket.
      if (localAddress !== undefined) options.localAddress = localAddress;
      Object.freeze(options);
      this.#wsOptions.set(localAddress, options);
    }
    return options;
  }
}
