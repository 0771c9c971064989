import { describe, expect, test } from 'vitest';
import type { LoopingAgent } from '../harness/checks/connection-loop.ts';
import type { CheckResult } from '../harness/checks/types.ts';
import { runScenario } from '../harness/runner/run.ts';
import { SCENARIOS } from './index.ts';

const loop = SCENARIOS.get('loop')!;
const check = (checks: CheckResult[], id: string) => {
  const found = checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${checks.map((c) => c.id).join(', ')}`);
  return found;
};

// The two runs are independent (own hub, own fleet, own port) and mostly wait, so they run side by side.
describe.concurrent('the loop scenario over real sockets', () => {
  test('red: with the duplicate-ws-handler defect the run fails and the loop check names "New connection established"', async () => {
    const result = await runScenario(loop, { agents: 5, durationMs: 5_000, seed: '11', hubDefects: ['duplicate-ws-handler'] });

    expect(result.verdict).toBe('failed');
    const loopCheck = check(result.checks, 'connection-loop');
    expect(loopCheck.status).toBe('failed');
    expect(loopCheck.summary).toContain('New connection established');
    const looping = (loopCheck as { evidence: { looping: LoopingAgent[] } }).evidence.looping;
    expect(looping.length).toBe(5); // every agent loops
    for (const agent of looping) {
      expect(agent.cycles).toBeGreaterThanOrEqual(3);
      expect(agent.closes[0]).toMatchObject({ code: 1000, reason: 'New connection established' });
    }
    // The hub's own view agrees: a duplicate route, connections replaced.
    expect(check(result.checks, 'hub-handlers-per-connection').status).toBe('failed');
    expect(check(result.checks, 'hub-connections-replaced').status).toBe('failed');
    expect(result.params.hubDefects).toEqual(['duplicate-ws-handler']);
    expect(result.replay).toContain('--defect duplicate-ws-handler');
    expect(result.replay).toContain('--seed 11');
  });

  test('green: on a sound hub every agent connects once and the run passes', async () => {
    const result = await runScenario(loop, { agents: 5, durationMs: 5_000, seed: '12' });

    expect(result.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(result.verdict).toBe('passed');
    expect(result.checks.filter((c) => c.kind === 'hub').map((c) => c.id)).toEqual([
      'hub-health',
      'connection-loop',
      'reconnects',
      'connection-durations',
      'command-delivery',
      'liveness',
      'hub-connections-replaced',
      'hub-handlers-per-connection',
    ]);
    expect(result.stats).toMatchObject({ agents: 5, connects: 5, disconnects: 0, connectFailures: 0 });
    expect(result.stats.commandsIssued).toBeGreaterThan(0);
    expect(result.stats.commandsApplied).toBe(result.stats.commandsIssued);
    expect(result.hub).toMatchObject({ kind: 'in-process', metrics: true, admin: true });
    expect(result.agentIds).toEqual(['agent-1', 'agent-2', 'agent-3', 'agent-4', 'agent-5']);
    expect(result.hubMetricsText).toContain('edge_hub_connections_open');
  });
});
