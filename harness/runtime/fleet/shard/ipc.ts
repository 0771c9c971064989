import type { ParentMessage, ShardMessage } from './messages.ts';
import { startShard, type RunningShard } from './shard.ts';
import { shardProtocol } from './config.ts';

/**
 * The IPC transport: a shard forked by the harness on this machine
 * (harness/runtime/fleet/create.ts ShardedFleet) gets its config and its stop over
 * Node's IPC channel and sends its batches back the same way. It stops when
 * told to, or when its parent goes away (the channel closes), so it can
 * never outlive a run.
 */
const FLUSH_INTERVAL_MS = 100;

function send(message: ShardMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

export function runIpcShard(): void {
  let shard: RunningShard | undefined;

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') {
      void (async () => {
        await shard?.stop();
        await send({ type: 'stopped' });
        process.disconnect?.();
      })();
      return;
    }
    void (async () => {
      try {
        const protocol = await shardProtocol(message.config);
        shard = startShard(message.config, protocol, ({ events, counts, lost }) => send({ type: 'events', events, counts, lost }), { flushIntervalMs: FLUSH_INTERVAL_MS }, () => undefined);
      } catch (error) {
        void send({ type: 'error', message: (error as Error).message });
        return;
      }
      void shard.started.then(() => send({ type: 'started' }));
    })();
  });

  // The parent is gone (or closed the channel): stop everything and exit.
  process.on('disconnect', () => {
    if (!shard) process.exit(0);
    void shard.abandon().finally(() => process.exit(0));
  });

  // Ctrl-C in a terminal (and some CI cancel buttons) signal the whole process
  // group, shards included. The run owns the shards: it stops them cleanly, and
  // if it dies the channel closes and they exit above. Dying on the signal
  // instead would leave the run's last seconds without these agents' events.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
}
