import { describe, expect, test } from 'vitest';
import { runScenario } from '../harness/runner/run.ts';
import { SCENARIOS } from './index.ts';

/**
 * Every fault scenario, shortened, over real sockets through the embedded
 * Toxiproxy: each must pass on the reference hub, and each fault must have
 * visibly acted (the fault-effect check, where the scenario has one).
 */
const SHORT: Record<string, number> = {
  latency: 8_000,
  'half-open': 14_000,
  reset: 12_000,
  partition: 12_000,
  flap: 14_000,
  bandwidth: 8_000,
};

function failures(result: Awaited<ReturnType<typeof runScenario>>): string[] {
  return result.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.summary}`);
}

describe.concurrent('fault scenarios on the reference hub', () => {
  for (const [name, durationMs] of Object.entries(SHORT)) {
    test(`${name} passes`, async () => {
      const scenario = SCENARIOS.get(name)!;
      const result = await runScenario(scenario, { agents: 6, durationMs, seed: '11' });
      expect(failures(result)).toEqual([]);
      expect(result.verdict).toBe('passed');
      expect(result.proxy).toMatch(/^embedded http:\/\/127\.0\.0\.1:\d+$/);
      const applied = result.events.filter((e) => e.type === 'fault.applied');
      expect(applied.length).toBeGreaterThan(0);
      expect(result.events.filter((e) => e.type === 'fault.removed').length).toBe(applied.length);
    }, 90_000);
  }
});

test('latency: commands issued during the fault are slower by about the injected latency', async () => {
  const result = await runScenario(SCENARIOS.get('latency')!, { agents: 3, durationMs: 6_000, seed: '3' });
  const delivery = result.checks.find((c) => c.id === 'command-delivery')!;
  const evidence = delivery.status === 'skipped' ? undefined : (delivery.evidence as { latencyDuringFaults?: { p50Ms: number } });
  expect(evidence?.latencyDuringFaults?.p50Ms).toBeGreaterThanOrEqual(400);
}, 60_000);

test('flap does not hide a hub loop: connections that die right after opening are still flagged', async () => {
  const result = await runScenario(SCENARIOS.get('flap')!, { agents: 4, durationMs: 10_000, seed: '5', hubDefects: ['duplicate-ws-handler'] });
  const loop = result.checks.find((c) => c.id === 'connection-loop')!;
  expect(loop.status).toBe('failed');
  expect(loop.summary).toContain('New connection established');
  expect(result.verdict).toBe('failed');
}, 60_000);
