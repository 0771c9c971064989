import { expect, test } from 'vitest';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { runScenario } from '../../runner/run.ts';
import { expectSameFleetRun } from './same-run.test-support.ts';

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
  expectSameFleetRun(single, sharded, ['agent-1', 'agent-4', 'agent-6'], 6);
}, 60_000);
