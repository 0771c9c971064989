import type { BackoffOptions } from '../backoff.ts';
import type { AgentEventSink } from '../events.ts';
import { Fleet } from '../fleet.ts';
import { createRng } from '../../common/rng.ts';

/** Everything a fleet (or one shard of it) needs, as plain data a parent can send to a shard process. */
export interface ShardConfig {
  /** Index of the shard's first agent in the whole fleet. */
  firstIndex: number;
  /** The hub (or proxy) URL of each of the shard's agents, in order. */
  hubUrls: string[];
  idPrefix: string;
  seed: string;
  token?: string;
  backoff: BackoffOptions;
  pingIntervalMs?: number;
  pollIntervalMs?: number;
  rampMs: number;
  sourceAddresses: number;
  /** The parent's run start, as performance.timeOrigin + performance.now() there: events are stamped against it. */
  runStartEpochMs: number;
}

/**
 * The one way a fleet is built from its config, in the harness process or in
 * a shard: the same stream names everywhere, so a seed replays identically
 * however the fleet is split.
 */
export function buildFleet(config: ShardConfig, clock: () => number, sink: AgentEventSink): Fleet {
  return new Fleet({
    agents: config.hubUrls.length,
    firstIndex: config.firstIndex,
    idPrefix: config.idPrefix,
    hubUrl: (_id, index) => config.hubUrls[index - config.firstIndex]!,
    token: config.token,
    backoff: config.backoff,
    pingIntervalMs: config.pingIntervalMs,
    pollIntervalMs: config.pollIntervalMs,
    rampMs: config.rampMs,
    sourceAddresses: config.sourceAddresses,
    rng: createRng(config.seed).child('fleet'),
    clock,
    sink,
  });
}
