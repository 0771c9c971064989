import { Fleet } from '../fleet.ts';
import { createRng } from '../rng.ts';
import type { AgentEvent } from '../events.ts';
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
    fleet = new Fleet({
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
      // The same stream names as an in-process fleet, so a seed replays identically however the fleet is split.
      rng: createRng(config.seed).child('fleet'),
      clock: () => Math.round((performance.timeOrigin + performance.now() - origin) * 10) / 10,
      sink: (event) => buffer.push(event),
    });
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
