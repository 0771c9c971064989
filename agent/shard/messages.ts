import type { BackoffOptions } from '../backoff.ts';
import type { AgentEvent } from '../events.ts';
import type { FleetCounts } from '../fleet.ts';

/**
 * The messages between a fleet shard (a child process running part of the
 * fleet) and its parent, over Node's IPC channel. Plain data only.
 */
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

export type ParentMessage = { type: 'start'; config: ShardConfig } | { type: 'stop' };

export type ShardMessage =
  | { type: 'started' }
  | { type: 'events'; events: AgentEvent[]; counts: FleetCounts }
  | { type: 'stopped' }
  | { type: 'error'; message: string };
