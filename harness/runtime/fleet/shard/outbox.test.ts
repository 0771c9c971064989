import { expect, test } from 'vitest';
import type { AgentEvent } from '../../../../agent/events.ts';
import { ShardOutbox } from './outbox.ts';
import type { ShardBatch } from './wire.ts';

const event = (t: number, type: 'poll' | 'ws.open' = 'poll'): AgentEvent =>
  type === 'poll' ? { t, agent: 'agent-1', type, ok: true, commands: 0 } : { t, agent: 'agent-1', type, conn: t };
const counts = () => ({ connected: 1, polling: 0, down: 0 });

test('one batch at a time: while one is on its way events wait, past the bound they are lost and counted by kind, and every later batch says so', async () => {
  const sent: ShardBatch[] = [];
  let release: () => void = () => undefined;
  const outbox = new ShardOutbox({
    uplink: (batch) => {
      sent.push(batch);
      return new Promise<void>((resolve) => (release = resolve));
    },
    counts,
    flushIntervalMs: 60_000,
    maxBufferedEvents: 3,
    maxBatchEvents: 2,
    onFailure: () => undefined,
  });
  outbox.push(event(1));
  outbox.markStarted(); // sends batch 1 now, and holds the uplink
  for (let t = 2; t <= 6; t++) outbox.push(event(t, t === 6 ? 'ws.open' : 'poll'));
  // Batch 1 is in flight: 3 of the 5 later events fit, two (a poll and the ws.open) are lost.
  expect(sent.map((b) => b.seq)).toEqual([1]);
  expect(outbox.buffered).toBe(3);
  expect(outbox.lost).toEqual({ poll: 1, 'ws.open': 1 });
  const closing = outbox.close();
  release();
  for (let i = 0; i < 5 && sent.length < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    release();
  }
  await closing;
  expect(sent.map((b) => [b.seq, b.events.map((e) => e.t), b.sentEvents, b.final])).toEqual([
    [1, [1], 1, false],
    [2, [2, 3], 3, false],
    [3, [4], 4, true],
  ]);
  expect(sent[2]!.lost).toEqual({ poll: 1, 'ws.open': 1 });
  expect(sent.every((b) => b.started)).toBe(true);
});

test('an uplink that gives up stops the outbox and reports the failure once', async () => {
  const failures: unknown[] = [];
  const outbox = new ShardOutbox({
    uplink: () => Promise.reject(new Error('collector gone')),
    counts,
    flushIntervalMs: 60_000,
    maxBufferedEvents: 10,
    maxBatchEvents: 10,
    onFailure: (error) => failures.push(error),
  });
  outbox.push(event(1));
  outbox.markStarted();
  await outbox.close();
  outbox.push(event(2));
  expect(failures).toHaveLength(1);
  expect((failures[0] as Error).message).toBe('collector gone');
  expect(outbox.lost).toEqual({ poll: 1 });
});
