import type { BackoffOptions } from '../../../../agent/backoff.ts';
import type { AgentEventSink } from '../../../../agent/events.ts';
import { Fleet } from '../fleet.ts';
import { createRng } from '../../../../common/rng.ts';
import { loadProtocol } from '../../../../protocol/registry.ts';
import type { Protocol } from '../../../../protocol/wire.ts';
import { EdgeChaosError } from '../../../../common/errors.ts';

/** Everything a fleet (or one shard of it) needs, as plain data a parent can send to a shard process. */
export interface ShardConfig {
  /** Index of the shard's first agent in the whole fleet. */
  firstIndex: number;
  /** The hub (or proxy) URL of each of the shard's agents, in order. */
  hubUrls: string[];
  idPrefix: string;
  seed: string;
  token?: string;
  /** The hub's wire: a built-in protocol's name or a profile file's absolute path (protocol/registry.ts). Default v1. */
  protocol?: string;
  backoff: BackoffOptions;
  pingIntervalMs?: number;
  pollIntervalMs?: number;
  rampMs: number;
  sourceAddresses: number;
  /** The parent's run start, as performance.timeOrigin + performance.now() there: events are stamped against it. */
  runStartEpochMs: number;
}

/** What every shard of a fleet shares: a ShardConfig but its slice. */
export type SharedShardConfig = Omit<ShardConfig, 'firstIndex' | 'hubUrls'>;

/** The shared fields picked from anything that has them (a fleet spec carries more): the one list of them. */
export function sharedConfig(from: SharedShardConfig): SharedShardConfig {
  const { idPrefix, seed, token, protocol, backoff, pingIntervalMs, pollIntervalMs, rampMs, sourceAddresses, runStartEpochMs } = from;
  return { idPrefix, seed, token, protocol, backoff, pingIntervalMs, pollIntervalMs, rampMs, sourceAddresses, runStartEpochMs };
}

/** How a shard batches and ships its events; every field has a default. */
export interface ShardTransportOptions {
  /** How often a batch goes out (an empty one too: it is the shard's heartbeat and carries its counts), ms. Default 200. */
  flushIntervalMs?: number;
  /** Events the shard holds while its transport is busy or down; past it, events are lost and counted by kind. Default 200_000. */
  maxBufferedEvents?: number;
  /** Most events in one batch (one POST), so a backlog goes out in bodies the collector accepts. Default 5_000. */
  maxBatchEvents?: number;
  /** A shard that has not reached the coordinator's collector for this long stops its agents and exits 2, ms. Default 30_000. */
  unreachableGraceMs?: number;
  /** Request/response pairs measured at start-up for the clock offset; the one with the shortest round trip counts. Default 8. */
  clockSamples?: number;
  /** One HTTP request to the collector gives up after this long (and is retried), ms. Default 10_000. */
  requestTimeoutMs?: number;
}

export const TRANSPORT_DEFAULTS: Required<ShardTransportOptions> = {
  flushIntervalMs: 200,
  maxBufferedEvents: 200_000,
  maxBatchEvents: 5_000,
  unreachableGraceMs: 30_000,
  clockSamples: 8,
  requestTimeoutMs: 10_000,
};

/**
 * The whole fleet as one document, identical for every shard of a run (one
 * ConfigMap for a Kubernetes Indexed Job): each shard takes its slice by its
 * index (JOB_COMPLETION_INDEX). Hub URLs are run-length encoded, since agents
 * behind one proxy are contiguous, so 10,000 agents fit in a few lines.
 */
export interface ShardPlan extends SharedShardConfig {
  planVersion: 1;
  /** Agents in the whole fleet. */
  agents: number;
  /** Shards the fleet is split into; every one has at least one agent. */
  shards: number;
  /** Agents in fleet order: the first `count` dial the first `url`, the next `count` the next, and so on. */
  hubUrls: { url: string; count: number }[];
  transport?: ShardTransportOptions;
}

/** Agents [firstIndex, firstIndex + count) of the fleet: shard `index` of `shards`. The one rule every transport splits by. */
export function shardSlice(agents: number, shards: number, index: number): { firstIndex: number; count: number } {
  const per = Math.ceil(agents / shards);
  const firstIndex = index * per;
  return { firstIndex, count: Math.max(0, Math.min(per, agents - firstIndex)) };
}

/** How many shards of `agents` are not empty when `requested` are asked for (7 agents in 4 shards of 2 is 4; 5 in 4 is 3). */
export function usableShards(agents: number, requested: number): number {
  return Math.ceil(agents / Math.ceil(agents / Math.min(requested, agents)));
}

/** Run-length encodes the URL each agent dials. */
export function encodeHubUrls(agents: number, hubUrlFor: (index: number) => string): ShardPlan['hubUrls'] {
  const runs: ShardPlan['hubUrls'] = [];
  for (let i = 0; i < agents; i++) {
    const url = hubUrlFor(i);
    const last = runs.at(-1);
    if (last?.url === url) last.count++;
    else runs.push({ url, count: 1 });
  }
  return runs;
}

/** Shard `index`'s config from the plan. */
export function sliceOf(plan: ShardPlan, index: number): ShardConfig {
  const { firstIndex, count } = shardSlice(plan.agents, plan.shards, index);
  const hubUrls: string[] = [];
  let at = 0;
  for (const run of plan.hubUrls) {
    for (let i = Math.max(at, firstIndex); i < Math.min(at + run.count, firstIndex + count); i++) hubUrls.push(run.url);
    at += run.count;
  }
  return { ...sharedConfig(plan), firstIndex, hubUrls };
}

/**
 * Checks a plan read from the environment once, where it enters: a shard
 * that starts on a bad one would only show as agents that never connect.
 */
export function checkPlan(value: unknown, index: number): ShardPlan {
  const bad = (what: string) => new EdgeChaosError('EC_SHARD_CONFIG', `the shard config ${what}`, 'pass the JSON the coordinator wrote for this run (EDGE_CHAOS_SHARD_CONFIG or the file EDGE_CHAOS_SHARD_CONFIG_FILE), unchanged');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('is not a JSON object');
  const plan = value as Partial<ShardPlan>;
  if (plan.planVersion !== 1) throw bad(`has planVersion ${JSON.stringify(plan.planVersion)}, this shard reads 1`);
  const whole = (name: keyof ShardPlan, min: number) => {
    const n = plan[name];
    if (!Number.isSafeInteger(n) || (n as number) < min) throw bad(`field ${name} must be a whole number >= ${min}, got ${JSON.stringify(n)}`);
  };
  whole('agents', 1);
  whole('shards', 1);
  whole('rampMs', 0);
  whole('sourceAddresses', 1);
  if (!(typeof plan.runStartEpochMs === 'number' && Number.isFinite(plan.runStartEpochMs))) throw bad('has no runStartEpochMs');
  if (typeof plan.seed !== 'string' || typeof plan.idPrefix !== 'string') throw bad('needs string fields seed and idPrefix');
  if (plan.protocol !== undefined && typeof plan.protocol !== 'string') throw bad('field protocol must be a protocol name or a profile file path');
  if (typeof plan.backoff !== 'object' || plan.backoff === null) throw bad('has no backoff object');
  if (!Array.isArray(plan.hubUrls) || plan.hubUrls.some((r) => typeof r?.url !== 'string' || !Number.isSafeInteger(r?.count) || r.count < 1)) throw bad('field hubUrls must be a list of { url, count }');
  const covered = plan.hubUrls.reduce((sum, r) => sum + r.count, 0);
  if (covered !== plan.agents) throw bad(`hubUrls cover ${covered} agents, the fleet has ${plan.agents}`);
  if (plan.shards! > plan.agents!) throw bad(`splits ${plan.agents} agents into ${plan.shards} shards`);
  if (!(Number.isSafeInteger(index) && index >= 0 && index < plan.shards!)) throw bad(`has ${plan.shards} shards (indexes 0..${plan.shards! - 1}); this shard's index is ${index}`);
  if (shardSlice(plan.agents!, plan.shards!, index).count === 0) throw bad(`leaves shard ${index} without agents (${plan.agents} agents in ${plan.shards} shards)`);
  for (const [name, v] of Object.entries(plan.transport ?? {})) {
    if (!(name in TRANSPORT_DEFAULTS)) throw bad(`field transport.${name} is not a transport option (${Object.keys(TRANSPORT_DEFAULTS).join(', ')})`);
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw bad(`field transport.${name} must be a number > 0, got ${JSON.stringify(v)}`);
  }
  return plan as ShardPlan;
}

/**
 * The one way a fleet is built from its config, in the harness process or in
 * a shard: the same stream names everywhere, so a seed replays identically
 * however the fleet is split.
 */
export function buildFleet(config: ShardConfig, protocol: Protocol, clock: () => number, sink: AgentEventSink): Fleet {
  return new Fleet({
    protocol,
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

/** The protocol a shard's config names, built with its token: from the registry, or loaded from the profile file. */
export function shardProtocol(config: Pick<ShardConfig, 'protocol' | 'token'>): Promise<Protocol> {
  return loadProtocol(config.protocol, { token: config.token });
}

/** The clock a shard stamps events with: ms since the run started, by this machine's clock (the collector corrects the offset). */
export function shardClock(runStartEpochMs: number): () => number {
  return () => Math.round((performance.timeOrigin + performance.now() - runStartEpochMs) * 10) / 10;
}
