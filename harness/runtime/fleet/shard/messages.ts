import type { AgentEvent } from '../../../../agent/events.ts';
import type { FleetCounts } from '../fleet.ts';
import type { ShardConfig } from './config.ts';

export type { ShardConfig } from './config.ts';

/**
 * The messages between a fleet shard (a child process running part of the
 * fleet) and its parent, over Node's IPC channel. Plain data only. The
 * network transport's messages are in wire.ts.
 */
export type ParentMessage = { type: 'start'; config: ShardConfig } | { type: 'stop' };

export type ShardMessage =
  | { type: 'started' }
  /** `lost`: events the shard's buffer could not hold since it started, by kind (cumulative). */
  | { type: 'events'; events: AgentEvent[]; counts: FleetCounts; lost: Record<string, number> }
  | { type: 'stopped' }
  | { type: 'error'; message: string };
