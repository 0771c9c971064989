import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import type { ShardPlan } from './shard/config.ts';
import { startCollector } from '../collector/server.ts';
import { shardEnvs } from './launchers/launcher.ts';
import type { AgentEvent } from '../../../agent/events.ts';
import { startHub, type StartedHub } from '../../../server/start.ts';
import { checkHistoryComplete } from '../../checks/run-validity.ts';
import { createFleet, type FleetHandle, type FleetSpec } from './create.ts';
import type { NetworkFleet } from './network-fleet.ts';
import type { NetworkFleetOptions } from './spec.ts';
import { localProcessLauncher } from './launchers/local-network.ts';

/**
 * Network shards as real processes on loopback, streaming to a real
 * collector: what the transport promises when a connection drops, a buffer
 * fills, or the coordinator goes away.
 */
let hub: StartedHub | undefined;
let fleet: FleetHandle | undefined;
afterEach(async () => {
  await fleet?.stop();
  await hub?.stop();
  fleet = hub = undefined;
});

async function networkFleet(agents: number, shards: number, network: Omit<NetworkFleetOptions, 'launcher'>, extra: Partial<FleetSpec> = {}) {
  hub = await startHub({});
  const t0 = performance.now();
  const events: AgentEvent[] = [];
  const problems: string[] = [];
  const lost: Record<string, number> = {};
  fleet = createFleet({
    agents,
    shards,
    idPrefix: 'agent-',
    hubUrlFor: () => hub!.url,
    seed: '7',
    backoff: {},
    rampMs: 0,
    sourceAddresses: 1,
    runStartEpochMs: performance.timeOrigin + t0,
    clock: () => performance.now() - t0,
    sink: (e) => events.push(e as AgentEvent),
    onShardExit: (e) => problems.push(`exit ${e.shard} ${e.how}`),
    onShardLost: (e) => problems.push(`lost ${e.shard} ${e.why}`),
    onEventsLost: (type, n) => (lost[type] = (lost[type] ?? 0) + n),
    network: { launcher: localProcessLauncher(), ...network },
    ...extra,
  });
  return { fleet: fleet as NetworkFleet, events, problems, lost };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a stream whose connection drops, before a batch is applied and after (its ack lost), loses and duplicates nothing', async () => {
  const posts: string[] = [];
  const { fleet, events, problems } = await networkFleet(6, 2, {
    dropConnection: (index, seq) => {
      posts.push(`${index}:${seq}`);
      const times = posts.filter((p) => p === `${index}:${seq}`).length;
      if (index === 0 && seq === 3 && times === 1) return 'after-apply';
      if (index === 1 && seq === 4 && times <= 2) return 'before-apply';
      return undefined;
    },
  });
  await fleet.start();
  await wait(2_000);
  await fleet.stop();

  expect(problems).toEqual([]);
  // Each cut batch came again: shard 1's third once more (applied already: a duplicate), shard 2's fourth twice more.
  expect(posts.filter((p) => p === '0:3')).toHaveLength(2);
  expect(posts.filter((p) => p === '1:4')).toHaveLength(3);
  const [s0, s1] = fleet.collector!.streams;
  expect(s0!.duplicates).toBe(1);
  expect(s1!.duplicates).toBe(0);
  for (const s of [s0!, s1!]) {
    expect(s.final).toBe(true);
    expect(s.lastSeq).toBeGreaterThan(5);
    // Every posted sequence number from 1 to the last arrived; only the cut ones more than once.
    const seqs = posts.filter((p) => p.startsWith(`${s.index}:`)).map((p) => Number(p.split(':')[1]));
    expect([...new Set(seqs)]).toEqual(Array.from({ length: s.lastSeq }, (_, i) => i + 1));
  }
  // The shards' own count of events sent equals what reached the sink, and no event came twice.
  expect(events.length).toBe(s0!.receivedEvents + s1!.receivedEvents);
  const keys = events.map((e) => JSON.stringify(e));
  expect(new Set(keys).size).toBe(keys.length);
  for (let i = 1; i <= 6; i++) {
    const opens = events.filter((e) => e.agent === `agent-${i}` && e.type === 'ws.open');
    expect(opens.map((e) => (e as { conn: number }).conn)).toEqual([1]);
    expect(events.filter((e) => e.agent === `agent-${i}` && e.type === 'ws.close').map((e) => (e as { by: string }).by)).toEqual(['stop']);
  }
}, 60_000);

test("a shard whose buffer overflows while its stream is down reports what it lost, and the run's history-complete check fails on it", async () => {
  let refusals = 0;
  const { fleet, lost, problems } = await networkFleet(4, 1, {
    transport: { maxBufferedEvents: 2 },
    // Hold back the first batch for about a second, while every agent connects.
    dropConnection: (_index, seq) => (seq === 1 && refusals++ < 4 ? 'before-apply' : undefined),
  });
  await fleet.start();
  await wait(1_500);
  await fleet.stop();
  expect(problems).toEqual([]);
  expect(lost['ws.open']).toBeGreaterThan(0);
  const result = checkHistoryComplete({ events: [], agents: [], endMs: 0 }, { needs: {}, dropped: {}, lost });
  expect(result.status).toBe('failed');
  expect(result.summary).toMatch(/^\d+ event\(s\) never reached the history, \d+ ws\.open.* among them \(a fleet shard's buffer overflowed\)/);
}, 60_000);

test('a shard whose clock offset is too uncertain runs, but is reported lost to the run, naming the bound', async () => {
  // On loopback the uncertainty is a fraction of a ms: a bound of 0 makes any real measurement too loose.
  const { fleet, problems } = await networkFleet(2, 1, { policy: { maxClockUncertaintyMs: 0 } });
  await fleet.start();
  expect(fleet.counts().connected + fleet.counts().polling + fleet.counts().down).toBe(2);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^lost 1 its clock offset is uncertain by ±[\d.]+ ms \(over 0 ms; round trip [\d.]+ ms\): checks across agents cannot compare its times$/);
}, 60_000);

test("a shard measures its clock against the coordinator's, its events land on the coordinator's timeline, and SIGTERM ends it after its last batch", async () => {
  hub = await startHub({});
  // The coordinator's clock runs an hour ahead of this machine's (the shard's).
  const skewMs = 3_600_000;
  const coordinatorNow = () => performance.timeOrigin + performance.now() + skewMs;
  const runStart = coordinatorNow();
  const events: AgentEvent[] = [];
  const collector = await startCollector({ token: 't0ken', slices: [{ firstIndex: 0, count: 2 }], sink: (e) => events.push(e), nowEpochMs: coordinatorNow });
  const plan: ShardPlan = { planVersion: 1, agents: 2, shards: 1, hubUrls: [{ url: hub.url, count: 2 }], idPrefix: 'agent-', seed: '1', backoff: {}, rampMs: 0, sourceAddresses: 1, runStartEpochMs: runStart };
  const exits: string[] = [];
  const launched = await localProcessLauncher().start(shardEnvs(plan, collector.url, 't0ken'), { onExit: (index, how) => exits.push(`${index} ${how}`), signal: new AbortController().signal });
  try {
    const stream = collector.collector.streams[0]!;
    expect(await collector.collector.until(() => stream.started && stream.counts.connected === 2, 30_000)).toBe(true);
    expect(Math.abs(stream.clock!.offsetMs - skewMs)).toBeLessThan(stream.clock!.uncertaintyMs + 5);
    expect(stream.clock!.uncertaintyMs).toBeLessThan(50);
    collector.collector.beginStop();
    await launched.stop();
    const endMs = coordinatorNow() - runStart;
    expect(exits).toEqual([]);
    expect(stream.final).toBe(true);
    expect(stream.loss).toBeUndefined();
    // Stamped by a clock an hour behind, corrected on merge: every event falls inside the run.
    expect(events.length).toBeGreaterThan(4);
    for (const e of events) {
      expect(e.t).toBeGreaterThan(-5);
      expect(e.t).toBeLessThan(endMs + 5);
    }
    expect(events.filter((e) => e.type === 'ws.close').map((e) => [e.agent, (e as { by: string }).by]).sort()).toEqual([
      ['agent-1', 'stop'],
      ['agent-2', 'stop'],
    ]);
  } finally {
    await launched.stop();
    await collector.stop();
  }
}, 60_000);

test('a shard whose collector goes away stops its agents by itself after the grace, exits 2 and says why', async () => {
  hub = await startHub({});
  const collector = await startCollector({ token: 't0ken', slices: [{ firstIndex: 0, count: 2 }], sink: () => undefined });
  const plan: ShardPlan = { planVersion: 1, agents: 2, shards: 1, hubUrls: [{ url: hub.url, count: 2 }], idPrefix: 'agent-', seed: '1', backoff: {}, rampMs: 0, sourceAddresses: 1, runStartEpochMs: performance.timeOrigin, transport: { unreachableGraceMs: 1_500 } };
  const exits: string[] = [];
  const launched = await localProcessLauncher().start(shardEnvs(plan, collector.url, 't0ken'), { onExit: (index, how) => exits.push(`${index} ${how}`), signal: new AbortController().signal });
  try {
    expect(await collector.collector.until(() => collector.collector.streams[0]!.started, 30_000)).toBe(true);
    await collector.stop();
    const goneAt = performance.now();
    await launched.exited;
    const tookMs = performance.now() - goneAt;
    expect(exits).toEqual(['0 code 2']);
    // Its last contact was at most one flush interval (200 ms) before the collector went.
    expect(tookMs).toBeGreaterThan(1_250);
    expect(tookMs).toBeLessThan(8_000);
    expect(launched.logTail!(0)).toMatch(/error: the collector at http:\/\/127\.0\.0\.1:\d+ has not answered for \d+ s .*the shard stops its agents/);
  } finally {
    await launched.stop();
    await collector.stop();
  }
}, 60_000);

test('a shard started with a bad environment exits 2 with an error line and a fix line naming the variable', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./shard/main.ts', import.meta.url))], {
    env: { ...process.env, EDGE_CHAOS_SHARD_CONFIG: '{"planVersion":1}', EDGE_CHAOS_COLLECTOR_URL: 'http://127.0.0.1:1', EDGE_CHAOS_RUN_TOKEN: 't' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(code).toBe(2);
  expect(stderr).toBe('error: JOB_COMPLETION_INDEX must be the shard\'s 0-based index, got undefined\nfix: run the shard as a pod of an Indexed Job, or set the index yourself\n');
}, 30_000);
