import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../history/events.ts';
import { verdictOf } from '../runner/result.ts';
import { evaluateChecks } from './index.ts';
import type { CheckResult } from './types.ts';

/**
 * 20 agents connect at the start; a redeploy from 10 s to 11 s drops them
 * all; they are back `backAfterMs` after the hub is up. One machine sample
 * a second, `busy(t)` busy and `queue(t)` runnable.
 */
function history(backAfterMs: number, machine: { busy: (t: number) => number; queue?: (t: number) => number; shardCores?: (t: number) => number }): { events: HistoryEvent[]; agents: string[]; endMs: number } {
  const agents = Array.from({ length: 20 }, (_, i) => `agent-${i + 1}`);
  const events: HistoryEvent[] = [];
  agents.forEach((agent, i) => events.push({ t: 10 + i, agent, type: 'ws.connecting', attempt: 0 }, { t: 20 + i, agent, type: 'ws.open', conn: 1 }));
  events.push({ t: 10_000, type: 'hub.redeploy', name: 'deploy-1', kind: 'graceful', phase: 'begin' });
  for (const agent of agents) events.push({ t: 10_001, agent, type: 'ws.close', conn: 1, code: 1012, reason: 'Service Restart', openMs: 9_000, by: 'remote' });
  events.push({ t: 11_000, type: 'hub.redeploy', name: 'deploy-1', kind: 'graceful', phase: 'end' });
  for (const agent of agents) events.push({ t: 11_000 + backAfterMs, agent, type: 'ws.open', conn: 2 });
  for (let t = 1_000; t <= 40_000; t += 1_000) {
    events.push({ t, type: 'machine.sample', cores: 2, busyShare: machine.busy(t), runQueue: machine.queue?.(t) ?? 1 });
    events.push({ t, type: 'resource.sample', component: 'harness', pid: 1, rssBytes: 50e6, cpuCores: 0.3 });
    if (machine.shardCores) events.push({ t, type: 'resource.sample', component: 'shard-1', pid: 2, rssBytes: 50e6, cpuCores: machine.shardCores(t) });
  }
  events.sort((a, b) => a.t - b.t);
  return { events, agents, endMs: 40_000 };
}

const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id)!;
const during = (from: number, to: number, high: number, low = 0.2) => (t: number) => (t > from && t <= to ? high : low);

describe('machine-headroom: a check late while the machine was saturated cannot blame the hub', () => {
  test('late recovery on a saturated machine: recovery not judged, the run invalid with the figures and what to do', () => {
    const results = evaluateChecks(history(15_000, { busy: during(10_000, 20_000, 0.98), queue: during(10_000, 20_000, 7, 1) }), { recovery: { withinMs: 5_000 } });
    expect(byId(results, 'recovery')).toMatchObject({ status: 'skipped', kind: 'hub' });
    expect((byId(results, 'recovery') as { reason: string }).reason).toMatch(/machine was saturated.*it said: after deploy-1 healed/);
    const headroom = byId(results, 'machine-headroom');
    expect(headroom).toMatchObject({ status: 'failed', kind: 'validity' });
    expect(headroom.summary).toMatch(/recovery failed while the machine was saturated \(5\.0 s of the 5\.0 s from 11\.0 s: 2 cores up to 98% busy, run queue up to 7/);
    expect(headroom.summary).toMatch(/fewer agents.*--fleet-runner.*bigger machine/);
    expect(verdictOf(results, false).verdict).toBe('invalid');
  });

  test('the same lateness with the machine idle: the hub is slow, the run fails', () => {
    const results = evaluateChecks(history(15_000, { busy: () => 0.1 }), { recovery: { withinMs: 5_000 } });
    expect(byId(results, 'recovery').status).toBe('failed');
    const headroom = byId(results, 'machine-headroom');
    expect(headroom.status).toBe('passed');
    expect(headroom.summary).toMatch(/^recovery failed on time while the machine had headroom .*busiest 10% of 2 cores/);
    expect(verdictOf(results, false).verdict).toBe('failed');
  });

  test('a fleet shard using a whole core saturates the run even with a core to spare', () => {
    const results = evaluateChecks(history(15_000, { busy: () => 0.6, shardCores: during(10_000, 20_000, 1.0, 0.2) }), { recovery: { withinMs: 5_000 } });
    expect(byId(results, 'machine-headroom').status).toBe('failed');
    expect(byId(results, 'machine-headroom').summary).toContain('shard-1 1.00');
  });

  test('the hub using a whole core is the hub\'s own doing, not saturation', () => {
    const h = history(15_000, { busy: () => 0.55 });
    for (let t = 1_000; t <= 40_000; t += 1_000) h.events.push({ t, type: 'resource.sample', component: 'hub', pid: 3, rssBytes: 50e6, cpuCores: 1 });
    h.events.sort((a, b) => a.t - b.t);
    expect(byId(evaluateChecks(h, { recovery: { withinMs: 5_000 } }), 'recovery').status).toBe('failed');
  });

  test('a brief stall (under a fifth of the time given) does not excuse a late hub', () => {
    const results = evaluateChecks(history(15_000, { busy: during(11_000, 12_000, 0.99) }), { recovery: { withinMs: 10_000 } });
    expect(byId(results, 'recovery').status).toBe('failed');
    expect(byId(results, 'machine-headroom').status).toBe('passed');
  });

  test('a failure that is not about time stands however busy the machine: a hub that never came back', () => {
    const h = history(15_000, { busy: () => 0.99 });
    h.events.push({ t: 30_000, type: 'hub.redeploy.failed', name: 'deploy-2', error: 'the hub did not start' });
    h.events.sort((a, b) => a.t - b.t);
    const results = evaluateChecks(h, { recovery: { withinMs: 5_000 } });
    expect(byId(results, 'recovery').status).toBe('failed');
    expect(byId(results, 'machine-headroom').summary).toMatch(/saturated/);
    expect(verdictOf(results, false).verdict).toBe('failed');
  });

  test('a saturated machine on which every check passed leaves the verdict alone and says how busy it was', () => {
    const results = evaluateChecks(history(1_000, { busy: () => 0.95 }), { recovery: { withinMs: 5_000 } });
    expect(byId(results, 'recovery').status).toBe('passed');
    expect(byId(results, 'machine-headroom')).toMatchObject({ status: 'passed' });
    expect(byId(results, 'machine-headroom').summary).toMatch(/busiest 95% of 2 cores.*saturated 40\.0 s in all/);
    expect(verdictOf(results, false).verdict).toBe('passed');
  });

  test('without machine samples a late check stands, and the reader is told the machine is unknown', () => {
    const h = history(15_000, { busy: () => 0.99 });
    h.events = h.events.filter((e) => e.type !== 'machine.sample');
    const results = evaluateChecks(h, { recovery: { withinMs: 5_000 } });
    expect(byId(results, 'recovery').status).toBe('failed');
    expect(byId(results, 'machine-headroom')).toMatchObject({ status: 'skipped' });
    expect(byId(results, 'machine-headroom').summary).toContain('recovery failed on time and stand');
  });
});

describe('which failures are late', () => {
  const polls = (failure: { status?: number; error?: string }) => {
    const h = history(500, { busy: during(20_000, 30_000, 0.97) });
    // Every dropped agent polled while the hub was down; then, the hub up (the redeploy ended at 11 s), polls fail from 25 s on.
    for (const agent of h.agents) h.events.push({ t: 10_500, agent, type: 'poll', ok: true, commands: 0 });
    for (let i = 0; i < 10; i++) h.events.push({ t: 25_000 + i * 100, agent: `agent-${i + 1}`, type: 'poll', ok: false, commands: 0, ...failure });
    h.events.sort((a, b) => a.t - b.t);
    return evaluateChecks(h, { pollingFallback: {} });
  };

  test('polls the hub did not answer in time, on a saturated machine: not judged', () => {
    const results = polls({ error: 'no answer within 5000 ms' });
    expect(byId(results, 'polling-fallback').status).toBe('skipped');
    expect(byId(results, 'machine-headroom').status).toBe('failed');
  });

  test('polls the hub answered with an error stand however busy the machine', () => {
    const results = polls({ status: 500 });
    expect(byId(results, 'polling-fallback').status).toBe('failed');
    expect(byId(results, 'polling-fallback').lateDuring).toBeUndefined();
    expect(byId(results, 'machine-headroom').status).toBe('passed');
  });

  test('connect-time late on a machine saturated through the start: not judged', () => {
    const h = history(500, { busy: during(0, 10_000, 0.99) });
    h.events = h.events.map((e) => (e.type === 'ws.open' && e.conn === 1 ? { ...e, t: e.t + 8_000 } : e)).sort((a, b) => a.t - b.t);
    const results = evaluateChecks(h, { connectTime: { withinMs: 5_000 } });
    expect(byId(results, 'connect-time').status).toBe('skipped');
  });
});

test('a loop caught on a saturated machine still fails the run: machine-headroom takes out only the checks that were late', () => {
  const h = history(15_000, { busy: () => 0.99 });
  // agent-1 loops: connected and replaced every 300 ms from 20 s on.
  for (let i = 0; i < 20; i++) {
    h.events.push({ t: 20_000 + i * 300, agent: 'agent-1', type: 'ws.open', conn: 10 + i }, { t: 20_000 + i * 300 + 200, agent: 'agent-1', type: 'ws.close', conn: 10 + i, code: 1000, reason: 'New connection established', openMs: 200, by: 'remote' });
  }
  h.events.sort((a, b) => a.t - b.t);
  const results = evaluateChecks(h, { recovery: { withinMs: 5_000 }, connectionLoop: {} });
  expect(byId(results, 'recovery').status).toBe('skipped');
  expect(byId(results, 'connection-loop').status).toBe('failed');
  expect(byId(results, 'machine-headroom').status).toBe('failed');
  expect(verdictOf(results, false).verdict).toBe('failed');
});

describe('starved or not: the processes the late thing waited on must have waited for a CPU', () => {
  /** Polls unanswered in time from 25 s on, the machine saturated 20-30 s; each second the hub and the harness waited for a CPU this share of it. */
  const unansweredPolls = (hubWait: number, harnessWait: number) => {
    const h = history(500, { busy: during(20_000, 30_000, 0.97) });
    for (const agent of h.agents) h.events.push({ t: 10_500, agent, type: 'poll', ok: true, commands: 0 });
    for (let i = 0; i < 10; i++) h.events.push({ t: 25_000 + i * 100, agent: `agent-${i + 1}`, type: 'poll', ok: false, commands: 0, error: 'no answer within 5000 ms' });
    for (let t = 1_000; t <= 40_000; t += 1_000) {
      h.events.push({ t, type: 'resource.sample', component: 'hub', pid: 7, rssBytes: 50e6, cpuCores: 0.02, cpuWaitShare: t > 20_000 && t <= 30_000 ? hubWait : 0 });
      h.events.push({ t, type: 'resource.sample', component: 'harness', pid: 1, rssBytes: 50e6, cpuCores: 0.3, cpuWaitShare: t > 20_000 && t <= 30_000 ? harnessWait : 0 });
    }
    h.events.sort((a, b) => a.t - b.t);
    return evaluateChecks(h, { pollingFallback: {} });
  };

  test('a hub that hangs on a busy machine waits for no CPU: its unanswered polls stand, however starved the harness', () => {
    const results = unansweredPolls(0.01, 0.6);
    expect(byId(results, 'polling-fallback').status).toBe('failed');
    expect(byId(results, 'machine-headroom').status).toBe('passed');
    expect(verdictOf(results, false).verdict).toBe('failed');
  });

  test('a hub starved of CPU on the same machine: its unanswered polls are not judged', () => {
    const results = unansweredPolls(0.4, 0.6);
    expect(byId(results, 'polling-fallback').status).toBe('skipped');
    expect(byId(results, 'machine-headroom').status).toBe('failed');
  });

  test('an agent back late while no process of the run waited for a CPU: the machine was busy with something that did not touch the run', () => {
    const h = history(15_000, { busy: during(10_000, 20_000, 0.98) });
    for (let t = 1_000; t <= 40_000; t += 1_000) h.events.push({ t, type: 'resource.sample', component: 'shard-1', pid: 9, rssBytes: 50e6, cpuCores: 0.2, cpuWaitShare: 0.02 });
    h.events.sort((a, b) => a.t - b.t);
    const results = evaluateChecks(h, { recovery: { withinMs: 5_000 } });
    expect(byId(results, 'recovery').status).toBe('failed');
  });
});

test('agents the hub itself disconnected are not late, however starved the machine: hub-health stands', () => {
  const h = history(500, { busy: () => 0.99, shardCores: () => 0.5 });
  for (let t = 1_000; t <= 40_000; t += 1_000) h.events.push({ t, type: 'resource.sample', component: 'shard-2', pid: 11, rssBytes: 50e6, cpuCores: 0.5, cpuWaitShare: 0.5 });
  // The hub answered every probe; it closed three agents at 30 s (a replace) and they were not back by the stop.
  h.events.push({ t: 500, type: 'hub.health', state: 'up', url: 'http://hub', latencyMs: 2, status: 200 });
  for (const agent of ['agent-1', 'agent-2', 'agent-3']) h.events.push({ t: 30_000, agent, type: 'ws.close', conn: 2, code: 1000, reason: 'New connection established', openMs: 18_000, by: 'remote' });
  h.events.push({ t: 39_000, type: 'hub.probes', probes: 39, answered: 39, intervalMs: 1_000, timeoutMs: 4_000, maxLatencyMs: 5, failedAtMs: [], failedProbes: 0 });
  h.events.push({ t: 39_000, type: 'run.phase', phase: 'stop' });
  h.events.sort((a, b) => a.t - b.t);
  const results = evaluateChecks(h, { hubHealth: {} });
  expect(byId(results, 'hub-health').status).toBe('failed');
  expect(byId(results, 'hub-health').lateDuring).toBeUndefined();
  expect(verdictOf(results, false).verdict).toBe('failed');
});
