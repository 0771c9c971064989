import { expect, test } from 'vitest';
import { checkPlan, encodeHubUrls, shardSlice, sliceOf, usableShards, type ShardPlan } from './config.ts';
import { decodeBatch, encodeBatch, estimateClock, type ShardBatch } from './wire.ts';

test('a batch survives the NDJSON round trip; a truncated or malformed body names what is wrong', () => {
  const batch: ShardBatch = {
    seq: 4,
    sentEvents: 9,
    counts: { connected: 1, polling: 1, down: 0 },
    lost: { poll: 2 },
    started: true,
    final: false,
    events: [
      { t: 1.5, agent: 'agent-3', type: 'ws.open', conn: 1 },
      { t: 2, agent: 'agent-4', type: 'poll', ok: false, commands: 0, error: 'ECONNREFUSED' },
    ],
  };
  const text = encodeBatch(batch);
  expect(text.split('\n')).toHaveLength(4);
  expect(decodeBatch(text)).toEqual(batch);
  const cut = text.split('\n').slice(0, 2).join('\n');
  expect(() => decodeBatch(cut)).toThrow('the header announces 2 events, the body holds 1');
  expect(() => decodeBatch(text.replace('"seq":4', '"seq":0'))).toThrow('seq starts at 1');
  expect(() => decodeBatch(`${text}{"t":"x"}\n`)).toThrow(/announces 2 events/);
  expect(() => decodeBatch(text.replace('"agent":"agent-3"', '"agent":3'))).toThrow('line 2 is not an agent event');
});

test('the clock offset comes from the pair with the shortest round trip, true within half of it', () => {
  // Shard clock 1,000 ms behind the coordinator's; the second pair is the tight one.
  const estimate = estimateClock([
    { sentMs: 100, receivedMs: 180, serverMs: 1_170 },
    { sentMs: 200, receivedMs: 204, serverMs: 1_202 },
    { sentMs: 300, receivedMs: 340, serverMs: 1_301 },
  ]);
  expect(estimate).toEqual({ offsetMs: 1_000, uncertaintyMs: 2, rttMs: 4, samples: 3 });
});

test('a plan splits like the IPC fleet, each shard takes its own agents and hub URLs, and a bad plan or index is refused by name', () => {
  const urlFor = (i: number) => (i < 4 ? 'http://127.0.0.1:1001' : 'http://127.0.0.1:1002');
  const plan: ShardPlan = { planVersion: 1, agents: 7, shards: usableShards(7, 3), hubUrls: encodeHubUrls(7, urlFor), idPrefix: 'agent-', seed: '1', backoff: {}, rampMs: 0, sourceAddresses: 1, runStartEpochMs: 1 };
  expect(plan.hubUrls).toEqual([{ url: 'http://127.0.0.1:1001', count: 4 }, { url: 'http://127.0.0.1:1002', count: 3 }]);
  expect([0, 1, 2].map((i) => shardSlice(7, 3, i))).toEqual([{ firstIndex: 0, count: 3 }, { firstIndex: 3, count: 3 }, { firstIndex: 6, count: 1 }]);
  expect(sliceOf(plan, 1)).toMatchObject({ firstIndex: 3, hubUrls: ['http://127.0.0.1:1001', 'http://127.0.0.1:1002', 'http://127.0.0.1:1002'] });
  expect(usableShards(5, 4)).toBe(3);
  expect(checkPlan(JSON.parse(JSON.stringify(plan)), 2)).toEqual(plan);
  const refused = (value: unknown, index: number) => {
    try {
      checkPlan(value, index);
    } catch (error) {
      return [(error as { code: string }).code, (error as Error).message];
    }
    return undefined;
  };
  expect(refused(plan, 3)).toEqual(['EC_SHARD_CONFIG', "the shard config has 3 shards (indexes 0..2); this shard's index is 3"]);
  expect(refused({ ...plan, hubUrls: [{ url: 'x', count: 6 }] }, 0)?.[1]).toBe('the shard config hubUrls cover 6 agents, the fleet has 7');
  expect(refused({ ...plan, transport: { flushMs: 5 } }, 0)?.[1]).toMatch(/transport.flushMs is not a transport option/);
  expect(refused({ ...plan, planVersion: 2 }, 0)?.[1]).toBe('the shard config has planVersion 2, this shard reads 1');
});
