import type { Fleet } from '../fleet.ts';
import type { AgentEvent } from '../events.ts';
import { buildFleet } from './config.ts';
import type { ParentMessage, ShardMessage } from './messages.ts';

/**
 * A fleet shard: part of the fleet in its own process, so the fleet can use
 * every core and stay under the per-process open-file limit. Events go to
 * the parent in batches; the shard stops when told to, or when its parent
 * goes away (the IPC channel closes), so it can never outlive a run.
 */
const FLUSH_INTERVAL_MS = 100;

function send(message: ShardMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

let fleet: Fleet | undefined;
let buffer: AgentEvent[] = [];
let flushTimer: NodeJS.Timeout | undefined;

const flush = async () => {
  if (!fleet) return;
  const events = buffer;
  buffer = [];
  await send({ type: 'events', events, counts: fleet.counts() });
};

async function stop(): Promise<void> {
  clearInterval(flushTimer);
  await fleet?.stop();
  await flush();
  await send({ type: 'stopped' });
  process.disconnect?.();
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'stop') {
    void stop();
    return;
  }
  const { config } = message;
  const origin = config.runStartEpochMs;
  try {
    fleet = buildFleet(config, () => Math.round((performance.timeOrigin + performance.now() - origin) * 10) / 10, (event) => buffer.push(event));
  } catch (error) {
    void send({ type: 'error', message: (error as Error).message });
    return;
  }
  flushTimer = setInterval(() => void flush(), FLUSH_INTERVAL_MS);
  void fleet.start().then(() => send({ type: 'started' }));
});

// The parent is gone (or closed the channel): stop everything and exit.
process.on('disconnect', () => {
  clearInterval(flushTimer);
  void fleet?.stop().finally(() => process.exit(0));
  if (!fleet) process.exit(0);
});

// Ctrl-C in a terminal (and some CI cancel buttons) signal the whole process
// group, shards included. The run owns the shards: it stops them cleanly, and
// if it dies the channel closes and they exit above. Dying on the signal
// instead would leave the run's last seconds without these agents' events.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
