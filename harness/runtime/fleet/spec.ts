/**
 * What the runner asks of a fleet (FleetSpec) and gets back (FleetHandle),
 * whichever way it runs: in this process, IPC child processes (create.ts) or
 * network shards (network-fleet.ts). Types only, in a module of their own, so
 * both kinds of fleet import them and neither imports the other's module.
 */
import type { Registry } from 'prom-client';
import type { AgentEvent } from '../../../agent/events.ts';
import type { Protocol } from '../../../protocol/wire.ts';
import type { CollectorPolicy } from '../collector/collector.ts';
import type { CollectorOptions } from '../collector/server.ts';
import type { FleetCounts } from './fleet.ts';
import type { ShardLauncher } from './launchers/launcher.ts';
import type { SharedShardConfig, ShardTransportOptions } from './shard/config.ts';

/** What the runner needs of a fleet, in this process or spread over shard processes. */
export interface FleetHandle extends AsyncDisposable {
  readonly ids: readonly string[];
  readonly shards: number;
  start(): Promise<void>;
  counts(): FleetCounts;
  stop(): Promise<void>;
  /**
   * The shard processes on this machine, by shard (0-based), each undefined once it has exited;
   * absent when the fleet has none here (in this process, containers, pods). For resource sampling.
   */
  shardPids?(): (number | undefined)[];
}

/** A whole fleet: what every shard shares (ShardConfig), plus how to split it and where its events go. */
export interface FleetSpec extends SharedShardConfig {
  agents: number;
  /** The protocol `protocol` names, built: agents in this process speak it; shard processes build their own from the name. Default: the built-in `protocol` names (v1). */
  wire?: Protocol;
  /** The URL agent number `index` (0-based, fleet-wide) dials. */
  hubUrlFor(index: number): string;
  /** 0: every agent in this process. N: N child processes (or network shards), each with a contiguous slice. */
  shards: number;
  /** The run clock, ms since start (the same instant as runStartEpochMs, for shard processes). */
  clock: () => number;
  sink: (event: AgentEvent) => void;
  /** Run the shards over the network transport, started by a launcher (local processes, containers, pods). Default: IPC child processes. */
  network?: NetworkFleetOptions;
  /** A shard process exited on its own after its agents started (not stopped by the run). */
  onShardExit?: (exit: { shard: number; agents: string; how: string }) => void;
  /** A shard could not trust its events to the run (silent, unsure clock, restarted, stopped early): network shards only. */
  onShardLost?: (lost: { shard: number; agents: string; why: string }) => void;
  /** A shard's buffer overflowed: `count` more events of `type` never reached the sink. */
  onEventsLost?: (type: string, count: number) => void;
}

/** How a fleet runs as network shards. */
export interface NetworkFleetOptions {
  launcher: ShardLauncher;
  /** Batching, buffer, unreachable grace and clock sampling of every shard. Default: shard/config.ts TRANSPORT_DEFAULTS. */
  transport?: ShardTransportOptions;
  /** When the collector gives up on a shard (silence, clock uncertainty). */
  policy?: CollectorPolicy;
  /** The run's metrics registry: the collector serves it at /metrics and adds its own figures. */
  registry?: Registry;
  /** The collector listens: the URL the shards dial. */
  onCollector?: (url: string) => void;
  /** Test hook: cut chosen events POSTs (see CollectorOptions). */
  dropConnection?: CollectorOptions['dropConnection'];
}
