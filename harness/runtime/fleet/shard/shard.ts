import type { FleetCounts } from '../fleet.ts';
import { buildFleet, shardClock, TRANSPORT_DEFAULTS, type ShardConfig, type ShardTransportOptions } from './config.ts';
import { ShardOutbox, type Uplink } from './outbox.ts';
import type { Protocol } from '../../../../protocol/wire.ts';

export interface RunningShard {
  /** Resolves once every agent has been started (the ramp is over). */
  readonly started: Promise<void>;
  counts(): FleetCounts;
  /** Stops the agents and delivers the last batch (marked final). */
  stop(): Promise<void>;
  /** Stops the agents without a last batch: the uplink is gone. */
  abandon(): Promise<void>;
}

/**
 * One shard's agents and its outbox, whatever the transport: the IPC and the
 * HTTP transports differ only in the uplink they pass.
 */
export function startShard(config: ShardConfig, protocol: Protocol, uplink: Uplink, transport: ShardTransportOptions, onUplinkFailure: (error: unknown) => void): RunningShard {
  const options = { ...TRANSPORT_DEFAULTS, ...transport };
  let counts: () => FleetCounts = () => ({ connected: 0, polling: 0, down: config.hubUrls.length });
  const outbox = new ShardOutbox({ uplink, counts: () => counts(), flushIntervalMs: options.flushIntervalMs, maxBufferedEvents: options.maxBufferedEvents, maxBatchEvents: options.maxBatchEvents, onFailure: onUplinkFailure });
  const fleet = buildFleet(config, protocol, shardClock(config.runStartEpochMs), outbox.push);
  counts = () => fleet.counts();
  outbox.start();
  const started = fleet.start().then(() => outbox.markStarted());
  let stopping: Promise<void> | undefined;
  return {
    started,
    counts,
    stop: () =>
      (stopping ??= (async () => {
        await fleet.stop();
        await outbox.close();
      })()),
    abandon: () => {
      outbox.abandon();
      return (stopping ??= fleet.stop());
    },
  };
}
