import { afterEach, expect, test } from 'vitest';
import type { AgentEvent } from '../../../agent/events.ts';
import { encodeBatch, NDJSON, type ShardBatch, type ShardHello } from '../fleet/shard/wire.ts';
import { startCollector, type StartedCollector } from './server.ts';
import type { ShardLoss } from './collector.ts';

/** The collector over real HTTP on port 0, driven by hand-written requests (the shard's own client is proven in shard-transport.test.ts). */
const TOKEN = 'run-token-1';
let started: StartedCollector | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

async function collector(options: { maxClockUncertaintyMs?: number; silenceGraceMs?: number } = {}) {
  const events: AgentEvent[] = [];
  const lost: ShardLoss[] = [];
  const eventsLost: Record<string, number> = {};
  started = await startCollector({
    token: TOKEN,
    slices: [
      { firstIndex: 0, count: 2 },
      { firstIndex: 2, count: 2 },
    ],
    sink: (e) => events.push(e),
    onShardLost: (l) => lost.push(l),
    onEventsLost: (type, n) => (eventsLost[type] = (eventsLost[type] ?? 0) + n),
    nowEpochMs: () => 5_000,
    ...options,
  });
  const call = async (method: string, path: string, body?: string, type = 'application/json', token = TOKEN) => {
    const response = await fetch(`${started!.url}${path}`, { method, body, headers: { authorization: `Bearer ${token}`, 'content-type': type } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { events, lost, eventsLost, call, collector: started.collector };
}

const hello = (over: Partial<ShardHello> = {}): string =>
  JSON.stringify({ instance: 'a', firstIndex: 2, agents: 2, clock: { offsetMs: 250, uncertaintyMs: 0.4, rttMs: 0.8, samples: 8 }, host: 'h', pid: 1, ...over } satisfies ShardHello);
const batch = (seq: number, events: AgentEvent[], sentEvents: number, over: Partial<ShardBatch> = {}) =>
  encodeBatch({ seq, events, sentEvents, counts: { connected: 1, polling: 0, down: 1 }, lost: {}, started: true, final: false, ...over });
const open = (t: number, agent = 'agent-3'): AgentEvent => ({ t, agent, type: 'ws.open', conn: 1 });

test('shard requests need the run token and a shard index of the run; /metrics and the clock answer', async () => {
  const { call } = await collector();
  expect((await call('GET', '/clock', undefined, undefined, 'wrong')).status).toBe(401);
  expect(await call('GET', '/clock')).toEqual({ status: 200, body: { nowEpochMs: 5_000 } });
  expect((await call('POST', '/shards/7/hello', hello())).status).toBe(404);
  expect((await call('POST', '/shards/1/events', batch(1, [], 0), NDJSON)).body.error).toMatch(/say hello first/);
  const metrics = await fetch(`${started!.url}/metrics`);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain('edge_chaos_collector_batches_total');
});

test('batches apply once each, in order, with t moved by the shard clock offset; a retried batch is acked and ignored', async () => {
  const { call, events, lost, collector: c } = await collector();
  expect(await call('POST', '/shards/1/hello', hello())).toEqual({ status: 200, body: { ack: 0 } });
  expect(await call('POST', '/shards/1/events', batch(1, [open(10)], 1), NDJSON)).toEqual({ status: 200, body: { ack: 1 } });
  // The ack of batch 1 was lost: the shard sends it again.
  expect(await call('POST', '/shards/1/events', batch(1, [open(10)], 1), NDJSON)).toEqual({ status: 200, body: { ack: 1, duplicate: true } });
  // A gap means the shard broke the one-at-a-time rule.
  expect((await call('POST', '/shards/1/events', batch(3, [], 1), NDJSON)).status).toBe(409);
  expect(await call('POST', '/shards/1/events', batch(2, [open(20, 'agent-4')], 2), NDJSON)).toEqual({ status: 200, body: { ack: 2 } });
  expect(events.map((e) => [e.agent, e.t])).toEqual([
    ['agent-3', 260],
    ['agent-4', 270],
  ]);
  expect(c.streams[1]!.duplicates).toBe(1);
  expect(c.counts()).toEqual({ connected: 1, polling: 0, down: 3 });
  expect(lost).toEqual([]);
  // A retried hello from the same process is fine; a second process for the slice is not.
  expect(await call('POST', '/shards/1/hello', hello())).toEqual({ status: 200, body: { ack: 2 } });
  expect((await call('POST', '/shards/1/hello', hello({ instance: 'b', pid: 2 }))).status).toBe(409);
  expect(lost).toMatchObject([{ shard: 2, agents: '3..4', kind: 'lost', why: expect.stringMatching(/^a second process \(pid 2 on h\) started for its slice/) }]);
});

test('a shard is lost when its clock is too uncertain, its slice is not the planned one, it goes silent, stops early or events go missing', async () => {
  const { call, lost, eventsLost, collector: c } = await collector({ maxClockUncertaintyMs: 50, silenceGraceMs: 5_000 });
  expect((await call('POST', '/shards/0/hello', hello())).body.error).toMatch(/runs agents 1..2, the hello says 3..4/);
  expect((await call('POST', '/shards/0/hello', hello({ firstIndex: 0, clock: { offsetMs: 0, uncertaintyMs: 80, rttMs: 160, samples: 8 } }))).status).toBe(200);
  expect(lost[0]).toMatchObject({ shard: 1, why: 'its clock offset is uncertain by ±80 ms (over 50 ms; round trip 160 ms): checks across agents cannot compare its times' });

  await call('POST', '/shards/1/hello', hello());
  await call('POST', '/shards/1/events', batch(1, [open(1)], 1, { lost: { poll: 3 } }), NDJSON);
  await call('POST', '/shards/1/events', batch(2, [], 1, { lost: { poll: 5, 'ws.open': 1 } }), NDJSON);
  expect(eventsLost).toEqual({ poll: 5, 'ws.open': 1 });
  c.checkSilence(performance.now() + 4_000);
  expect(lost).toHaveLength(1);
  c.checkSilence(performance.now() + 6_000);
  expect(lost[1]).toMatchObject({ shard: 2, why: expect.stringMatching(/^it stopped streaming for 6(\.\d)? s \(grace 5 s\)$/) });
});

test('a final batch before the run stops is a loss; after beginStop it is the normal end, and silence no longer counts', async () => {
  const { call, lost, collector: c } = await collector();
  await call('POST', '/shards/0/hello', hello({ firstIndex: 0 }));
  await call('POST', '/shards/1/hello', hello());
  await call('POST', '/shards/0/events', batch(1, [], 0, { final: true }), NDJSON);
  // Sent 3 events in all, only 1 arrived: the shard's count says so.
  await call('POST', '/shards/1/events', batch(1, [open(1)], 3), NDJSON);
  expect(lost.map((l) => [l.shard, l.why])).toEqual([
    [1, 'it stopped before the run did (SIGTERM from outside the run?)'],
    [2, '2 of its events went missing between it and the collector (sent 3, received 1)'],
  ]);
  c.beginStop();
  c.checkSilence(performance.now() + 60_000);
  expect(lost).toHaveLength(2);
});
