import { EdgeAgent, type AgentOptions } from '../../../agent/agent.ts';
import type { AgentEvent, AgentEventSink, AgentObservation } from '../../../agent/events.ts';
import { AgentProfile } from '../../../agent/profile.ts';
import type { Rng } from '../../../common/rng.ts';

export interface FleetOptions extends Omit<AgentOptions, 'id' | 'hubUrl' | 'rng' | 'observe'> {
  /** Number of agents. */
  agents: number;
  /** Index of this fleet's first agent in the whole fleet, when the fleet is one shard of several. Default 0. */
  firstIndex?: number;
  /**
   * Spread agents' source addresses over this many loopback addresses
   * (127.0.1.1, 127.0.1.2, ...), so ephemeral ports per address do not run out
   * with tens of thousands of connections. Default 1: the OS's choice.
   */
  sourceAddresses?: number;
  /** Agent ids are `${idPrefix}1` ... `${idPrefix}N`, stable across runs. Default 'agent-'. */
  idPrefix?: string;
  /** The hub URL each agent dials; a function lets groups of agents go through different proxies. */
  hubUrl: string | ((agentId: string, index: number) => string);
  /** Spread agent starts evenly over this long, ms. Default 0 (all at once). */
  rampMs?: number;
  /** Root of the run's randomness; each agent takes the child stream named by its id. */
  rng: Rng;
  /** Run clock in ms, stamped on every event. */
  clock: () => number;
  sink: AgentEventSink;
}

export interface FleetCounts {
  connected: number;
  polling: number;
  down: number;
}

/** Many agents in one process, each small: a socket and its own state; settings, timer and event stamping are shared. */
export class Fleet {
  readonly agents: EdgeAgent[];
  readonly #rampMs: number;
  #rampTimer: NodeJS.Timeout | undefined;
  #started = 0;

  constructor(options: FleetOptions) {
    const { agents: count, firstIndex = 0, sourceAddresses = 1, idPrefix = 'agent-', hubUrl, rampMs = 0, rng, clock, sink, ...agentOptions } = options;
    this.#rampMs = rampMs;
    // One observer for the whole fleet, told which agent spoke, rather than a closure per agent.
    const observe = (observation: AgentObservation, agent: string): void => sink({ ...observation, t: clock(), agent } as AgentEvent);
    // Each agent's stream is rng.child(id), made at its first backoff rather than here for all of them.
    const profile = new AgentProfile({ ...agentOptions, observe }, rng);
    this.agents = Array.from({ length: count }, (_, offset) => {
      const index = firstIndex + offset;
      const id = `${idPrefix}${index + 1}`;
      return new EdgeAgent(
        {
          id,
          localAddress: sourceAddresses > 1 ? loopbackAddress(index % sourceAddresses) : undefined,
          hubUrl: typeof hubUrl === 'function' ? hubUrl(id, index) : hubUrl,
        },
        profile,
      );
    });
  }

  get ids(): string[] {
    return this.agents.map((a) => a.id);
  }

  /** Starts every agent, spread over the ramp; resolves once the last one has been started. */
  start(): Promise<void> {
    const total = this.agents.length;
    if (this.#rampMs <= 0 || total <= 1) {
      for (const agent of this.agents) agent.start();
      this.#started = total;
      return Promise.resolve();
    }
    const tickMs = Math.max(10, Math.floor(this.#rampMs / total));
    const perTick = Math.max(1, Math.ceil((total * tickMs) / this.#rampMs));
    return new Promise((resolve) => {
      const tick = () => {
        const end = Math.min(total, this.#started + perTick);
        while (this.#started < end) this.agents[this.#started++]!.start();
        if (this.#started < total) this.#rampTimer = setTimeout(tick, tickMs);
        else resolve();
      };
      tick();
    });
  }

  counts(): FleetCounts {
    let connected = 0;
    let polling = 0;
    for (const agent of this.agents) {
      if (agent.connected) connected++;
      else if (agent.polling) polling++;
    }
    return { connected, polling, down: this.agents.length - connected - polling };
  }

  async stop(): Promise<void> {
    clearTimeout(this.#rampTimer);
    await Promise.all(this.agents.map((a) => a.stop()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** The n-th of a run of loopback addresses from 127.0.1.1 on; every 127.0.0.0/8 address is local on Linux. */
export function loopbackAddress(n: number): string {
  return `127.0.${1 + Math.floor(n / 254)}.${1 + (n % 254)}`;
}
