import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { MetricGrowth, ResourceGrowthEvidence } from '../harness/checks/resource-growth.ts';
import type { ResourceSampleEvent } from '../harness/history/events.ts';
import { runScenario } from '../harness/runner/run.ts';
import type { ScenarioDefinition } from '../harness/scenario/index.ts';
import { SCENARIOS } from './index.ts';

const soak = SCENARIOS.get('soak')!;
const MIB = 1024 * 1024;

describe('the soak timeline', () => {
  for (const durationMs of [60_000, 120_000, 30 * 60_000]) {
    test(`${durationMs / 60_000} min: latency, partition and redeploy take turns, one at a time, all inside the run`, () => {
      const params = { agents: 20, durationMs, pingIntervalMs: 2_000 };
      const faults = typeof soak.faults === 'function' ? soak.faults(params) : [];
      const redeploys = typeof soak.redeploys === 'function' ? soak.redeploys(params) : [];
      const steps = [
        ...faults.map((f) => ({ name: f.name!, fromMs: f.atMs, toMs: f.atMs + f.durationMs! })),
        ...redeploys.map((r) => ({ name: r.name!, fromMs: r.atMs, toMs: r.atMs + (r.downMs ?? 0) })),
      ].sort((a, b) => a.fromMs - b.fromMs);
      expect(redeploys.length).toBeGreaterThanOrEqual(1);
      expect(faults.some((f) => f.fault.kind === 'partition')).toBe(true);
      expect(faults.some((f) => f.fault.kind === 'latency')).toBe(true);
      expect(new Set(steps.map((s) => s.name)).size).toBe(steps.length);
      for (let i = 1; i < steps.length; i++) {
        // Recovery from one (backoff up to 5 s, 10 s allowed) is measured before the next starts.
        expect(steps[i]!.fromMs - steps[i - 1]!.toMs).toBeGreaterThanOrEqual(8_000);
      }
      expect(steps.at(-1)!.toMs).toBeLessThanOrEqual(durationMs);
    });
  }
});

/**
 * The whole pipeline, shortened to fit a test: sampler in the runner,
 * resource.sample events, the check's verdict. Only external memory is
 * judged here: slow-leak's frame copies make it a clean line within seconds,
 * while heap and RSS need the soak's own minute to see past the GC sawtooth
 * (the CLI runs in the report cover that). The two runs go one after the
 * other: both hubs live in this process, and a leak's memory is the
 * process's, whichever run caused it.
 */
const short: ScenarioDefinition = {
  ...soak,
  hub: { pingIntervalMs: 500 },
  faults: undefined,
  groups: undefined,
  redeploys: undefined,
  checks: { resourceGrowth: { sampleIntervalMs: 500, maxExternalGrowthBytesPerMin: 8 * MIB } },
};

function externalGrowth(result: Awaited<ReturnType<typeof runScenario>>): MetricGrowth {
  const check = result.checks.find((c) => c.id === 'resource-growth')!;
  if (check.status === 'skipped') throw new Error(`resource-growth skipped: ${check.reason}`);
  const harness = (check.evidence as ResourceGrowthEvidence).components.find((c) => c.component === 'harness')!;
  return harness.metrics.find((m) => m.metric === 'externalBytes')!;
}

test('a short soak: flat on the sound hub, a named slope with slow-leak', async () => {
  const healthy = await runScenario(short, { agents: 10, durationMs: 12_000, seed: '21' });
  expect(healthy.checks.filter((c) => c.kind === 'hub').map((c) => [c.id, c.status])).toEqual([['resource-growth', 'passed']]);
  expect(externalGrowth(healthy).slopePerMin! / MIB).toBeLessThan(2);
  const samples = healthy.events.filter((e): e is ResourceSampleEvent => e.type === 'resource.sample');
  expect(samples.length).toBeGreaterThanOrEqual(20);
  expect(samples.every((s) => s.component === 'harness' && s.pid === process.pid && s.rssBytes > 0 && s.heapUsedBytes! > 0)).toBe(true);

  const leaky = await runScenario(short, { agents: 10, durationMs: 12_000, seed: '21', hubDefects: ['slow-leak'] });
  const check = leaky.checks.find((c) => c.id === 'resource-growth')!;
  expect(check.status).toBe('failed');
  expect(check.summary).toMatch(/^harness external memory grows \d+\.\d\d MiB\/min/);
  // 10 agents, a pong every 500 ms each, 32 KB kept per pong: about 37 MiB/min.
  expect(externalGrowth(leaky).slopePerMin! / MIB).toBeGreaterThan(20);
  expect(leaky.verdict).toBe('failed');
}, 60_000);

const FOREIGN_HUB = fileURLToPath(new URL('../harness/runtime/hubs/zoo/foreign-hub.mjs', import.meta.url));

/**
 * A --hub-cmd hub behind `sh -c`, shortened: the leak lives in the node the
 * shell started, a grandchild of the harness, and only the tree's sum shows
 * it (the shell's own RSS never moves). 20 s at 2 acks a second is 40 acks,
 * 20 MiB at 512 KiB each, about 60 MiB/min, judged against the soak's own
 * 2-min RSS bound (24 MiB/min); without the leak the same hub reads far
 * under it. Only the hub's figures are asserted: the harness's own memory in
 * a short run under vitest is not what this test is about.
 */
const shortForeign: ScenarioDefinition = {
  ...soak,
  faults: undefined,
  groups: undefined,
  redeploys: undefined,
  checks: { resourceGrowth: { sampleIntervalMs: 500, maxRssGrowthBytesPerMin: 24 * MIB } },
};

function hubGrowth(result: Awaited<ReturnType<typeof runScenario>>) {
  const check = result.checks.find((c) => c.id === 'resource-growth')!;
  if (check.status === 'skipped') throw new Error(`resource-growth skipped: ${check.reason}`);
  const hub = (check.evidence as ResourceGrowthEvidence).components.find((c) => c.component === 'hub');
  if (!hub) throw new Error(`no hub samples: ${check.summary}`);
  return { check, hub, rss: hub.metrics.find((m) => m.metric === 'rssBytes')! };
}

test('a leaking --hub-cmd hub behind sh -c fails resource-growth naming its own process; the same hub without the leak does not', async () => {
  const leaky = await runScenario(shortForeign, { agents: 10, durationMs: 20_000, seed: '21', hub: { kind: 'command', command: `node '${FOREIGN_HUB}' --misbehave leak` } });
  const leak = hubGrowth(leaky);
  expect(leak.rss.verdict, leak.check.summary).toBe('leak');
  expect(leak.rss.slopePerMin! / MIB).toBeGreaterThan(30);
  expect(leak.check.status).toBe('failed');
  const [shell, node] = leak.hub.incarnations![0]!.processes;
  expect(shell!.command).toMatch(/^\/bin\/sh -c node /);
  expect(node!.command).toMatch(/foreign-hub\.mjs --misbehave leak$/);
  expect(leak.check.summary).toContain(`hub (node foreign-hub.mjs --misbehave leak, pid ${node!.pid}, under sh -c, pid ${shell!.pid}) RSS grows`);
  const samples = leaky.events.filter((e): e is ResourceSampleEvent => e.type === 'resource.sample' && e.component === 'hub');
  expect(samples.slice(1).every((s) => s.cpuCores !== undefined && s.cpuCores >= 0)).toBe(true);

  const healthy = await runScenario(shortForeign, { agents: 10, durationMs: 20_000, seed: '21', hub: { kind: 'command', command: `node '${FOREIGN_HUB}'` } });
  const sound = hubGrowth(healthy);
  expect(sound.rss.verdict, sound.check.summary).toBe('ok');
  expect(sound.rss.slopePerMin! / MIB).toBeLessThan(12);
}, 90_000);
