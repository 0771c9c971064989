import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { ResourceSampleEvent } from '../history/events.ts';
import { defineScenario } from '../scenario/index.ts';
import { runScenario } from './run.ts';

/**
 * Every process the harness starts is sampled with its CPU share, which the
 * saturation check reads: here the Toxiproxy server of `--toxiproxy
 * process:1` ('proxy') and two fleet shards ('shard-1', 'shard-2'), over IPC
 * and as local network shards. A
 * latency fault of 5 ms puts the agents behind the proxy without judging
 * anything about it.
 */
const withProxy = defineScenario({
  ...SCENARIOS.get('loop')!,
  faults: [{ name: 'lag', atMs: 500, durationMs: 1_000, fault: { kind: 'latency', latencyMs: 5 } }],
  checks: { resourceGrowth: { sampleIntervalMs: 250 } },
});

test.runIf(existsSync('/proc/self/stat')).each(['local', 'local-network'] as const)('%s shards: the proxy server and each fleet shard are sampled as components, with their CPU share and the process named', async (runner) => {
  const result = await runScenario(withProxy, { agents: 4, durationMs: 3_000, seed: '5', toxiproxy: { kind: 'process', servers: 1 }, fleetShards: 2, fleetRunner: { kind: runner } });
  const samples = result.events.filter((e): e is ResourceSampleEvent => e.type === 'resource.sample');
  const components = new Set(samples.map((s) => s.component));
  expect([...components].sort()).toEqual(['harness', 'proxy', 'shard-1', 'shard-2']); // the hub runs in this process: no 'hub'
  for (const [component, script] of [['proxy', /toxiproxy\/main\.ts/], ['shard-1', /harness\/runtime\/fleet\/shard\/main\.ts/], ['shard-2', /harness\/runtime\/fleet\/shard\/main\.ts/]] as const) {
    const own = samples.filter((s) => s.component === component);
    expect(own.length, component).toBeGreaterThanOrEqual(4);
    expect(new Set(own.map((s) => s.pid)).size, component).toBe(1);
    expect(own[0]!.processes?.[0], component).toEqual({ pid: own[0]!.pid, command: expect.stringMatching(script) });
    expect(own.slice(1).every((s) => typeof s.cpuCores === 'number' && s.cpuCores >= 0), component).toBe(true);
    expect(own.every((s) => s.rssBytes > 10 * 1024 * 1024), component).toBe(true);
  }
  expect(new Set(samples.filter((s) => s.component.startsWith('shard-')).map((s) => s.pid)).size).toBe(2);
}, 60_000);
