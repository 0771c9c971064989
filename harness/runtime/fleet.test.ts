import { expect, test } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.ts';
import { runScenario } from '../runner/run.ts';

/**
 * The fleet split over shard processes must give the same run as the fleet
 * in one process: the same verdict, every check the same, and (the agents'
 * randomness being named by agent id) the same reconnect schedule.
 */
test('a sharded fleet reaches the same verdict and schedule as a single-process one', async () => {
  const scenario = SCENARIOS.get('loop')!;
  const options = { agents: 6, durationMs: 4_000, seed: '3', hubDefects: ['duplicate-ws-handler'] };
  const single = await runScenario(scenario, { ...options, fleetShards: 0 });
  const sharded = await runScenario(scenario, { ...options, fleetShards: 2 });

  expect(sharded.verdict).toBe('failed');
  expect(sharded.checks.map((c) => [c.id, c.status])).toEqual(single.checks.map((c) => [c.id, c.status]));
  expect(sharded.agentIds).toEqual(single.agentIds);
  const schedule = (r: typeof single, agent: string) =>
    r.events.flatMap((e) => (e.type === 'reconnect.scheduled' && e.agent === agent ? [e.delayMs] : []));
  for (const agent of ['agent-1', 'agent-4', 'agent-6']) {
    const a = schedule(single, agent);
    const b = schedule(sharded, agent);
    const n = Math.min(a.length, b.length);
    expect(n).toBeGreaterThan(1);
    expect(b.slice(0, n)).toEqual(a.slice(0, n));
  }
  // Events from both shards arrived and were merged in time order.
  const times = sharded.events.map((e) => e.t);
  expect(times).toEqual([...times].sort((x, y) => x - y));
  expect(new Set(sharded.events.flatMap((e) => ('agent' in e && e.type === 'ws.open' ? [e.agent] : []))).size).toBe(6);
}, 60_000);
