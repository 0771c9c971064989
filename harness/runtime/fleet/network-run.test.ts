import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { parsePrometheusText, type MetricSamples } from '../../../common/prom-text.ts';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { runScenario } from '../../runner/run.ts';
import { descendantsOf, killAll, pidsSurvivingAfter } from '../process-tree.test-support.ts';
import { expectSameFleetRun } from './same-run.test-support.ts';

/**
 * Whole runs over the network shard transport: the same judgement as the
 * IPC shards, a killed shard making the run invalid with the shard named,
 * and the live /metrics agreeing with the final result.
 */
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-network-run-'));
const leftovers: number[] = [];
afterAll(() => {
  killAll(descendantsOf(process.pid).filter((p) => leftovers.includes(p.pid)));
  rmSync(tmp, { recursive: true, force: true });
});

test('a fleet on network shards reaches the same verdict, check by check, and the same schedule as on IPC shards', async () => {
  const scenario = SCENARIOS.get('loop')!;
  const options = { agents: 6, durationMs: 4_000, seed: '3', hubDefects: ['duplicate-ws-handler'], fleetShards: 2 };
  const endpoints: string[] = [];
  const ipc = await runScenario(scenario, options);
  const network = await runScenario(scenario, { ...options, fleetRunner: { kind: 'local-network' }, onEndpoint: (e) => endpoints.push(e.name) });

  expect(endpoints).toEqual(['collector']);
  expect(network.verdict).toBe('failed');
  expect(network.checks.map((c) => [c.id, c.status])).toEqual(ipc.checks.map((c) => [c.id, c.status]));
  expect(network.checks.find((c) => c.id === 'shards-alive')!.status).toBe('passed');
  expect(network.replay).toContain('--fleet-shards 2 --fleet-runner local-network');
  expectSameFleetRun(ipc, network, ['agent-1', 'agent-3', 'agent-4', 'agent-6'], 6);
}, 120_000);

test('a network shard killed mid-run makes the CLI run invalid (exit 2) with the shard named, and nothing is left running', async () => {
  const { TOXIPROXY_URL: _proxy, GITHUB_STEP_SUMMARY: _summary, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'loop', '--agents', '4', '--duration', '6s', '--seed', '2', '--fleet-runner', 'local-network', '--fleet-shards', '2', '--metrics-port', '0', '--report-dir', join(tmp, 'kill')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((done) => child.once('close', done));
  // Once the steady phase is printed every shard has started its agents; then shard 2 dies.
  const deadline = performance.now() + 60_000;
  while (!/\] steady /.test(stderr) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(stderr).toMatch(/^collector: http:\/\/127\.0\.0\.1:\d+ \(network shards stream their events here\)$/m);
  const shards = descendantsOf(child.pid!).filter((p) => p.cmdline.includes('harness/runtime/fleet/shard/main.ts'));
  expect(shards).toHaveLength(2);
  leftovers.push(...shards.map((p) => p.pid));
  const indexOf = (pid: number) => /(?:^|\0)JOB_COMPLETION_INDEX=(\d+)/.exec(readFileSync(`/proc/${pid}/environ`, 'utf8'))?.[1];
  const second = shards.find((p) => indexOf(p.pid) === '1')!;
  const metricsUrl = /^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics) \(Prometheus, live while the run goes\)$/m.exec(stderr)?.[1];
  expect(metricsUrl).toBeDefined();
  const alive = async () => parsePrometheusText(await (await fetch(metricsUrl!)).text()).sum('edge_chaos_fleet_shards_alive');
  expect(await alive()).toBe(2);
  process.kill(second.pid, 'SIGKILL');
  // The live figures see the shard go while the run is still going.
  let after = await alive();
  for (let i = 0; i < 50 && after !== 1; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await alive();
  }
  expect(after).toBe(1);

  expect(await exited).toBe(2);
  expect(stdout).toContain('INVALID: this run cannot judge the hub');
  expect(stdout).toMatch(/shards-alive: fleet shard 2 \(agents 3\.\.4\) died at \d+\.\d s \(SIGKILL\)/);
  expect(await pidsSurvivingAfter(shards.map((p) => p.pid))).toEqual([]);
}, 120_000);

test('/metrics is served live while the run goes, by the metrics port and the collector, and ends equal to the result', async () => {
  const urls = new Map<string, string>();
  const scrapes: { at: string; samples: MetricSamples }[] = [];
  let running = true;
  const scraping = (async () => {
    while (running) {
      const url = urls.get('metrics');
      if (url) {
        try {
          const response = await fetch(url);
          scrapes.push({ at: url, samples: parsePrometheusText(await response.text()) });
          const collector = urls.get('collector');
          if (collector && scrapes.length % 4 === 0) scrapes.push({ at: collector, samples: parsePrometheusText(await (await fetch(`${collector}/metrics`)).text()) });
        } catch {
          // Closed as the run ended.
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const result = await runScenario(SCENARIOS.get('partition')!, { agents: 6, durationMs: 6_000, seed: '4', fleetRunner: { kind: 'local-network' }, fleetShards: 2, metricsPort: 0, onEndpoint: ({ name, url }) => urls.set(name, url) });
  running = false;
  await scraping;

  expect(result.metricsUrl).toBe(urls.get('metrics'));
  expect(result.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const live = scrapes.filter((s) => s.at === urls.get('metrics')).map((s) => s.samples);
  expect(live.length).toBeGreaterThan(10);
  // Live: the phases went by, the partition was seen active, all six agents were counted by state at every scrape.
  const phases = new Set(live.flatMap((s) => s.samples.filter((m) => m.name === 'edge_chaos_run_phase' && m.value === 1).map((m) => m.labels.phase)));
  expect(phases).toContain('steady');
  expect(live.some((s) => s.sum('edge_chaos_faults_active') === 1)).toBe(true);
  for (const s of live) expect(s.sum('edge_chaos_agents')).toBe(6);
  expect(live.some((s) => s.sum('edge_chaos_agents', { state: 'connected' }) === 6)).toBe(true);
  // The collector serves the same registry, with its own figures added.
  const fromCollector = scrapes.filter((s) => s.at !== urls.get('metrics'));
  expect(fromCollector.length).toBeGreaterThan(0);
  expect(fromCollector.at(-1)!.samples.sum('edge_chaos_collector_batches_total')).toBeGreaterThan(0);
  expect(fromCollector.at(-1)!.samples.has('edge_chaos_connects_total')).toBe(true);

  // At the end the figures are the result's tally.
  const end = parsePrometheusText(result.runMetricsText!);
  const { stats } = result;
  expect(end.sum('edge_chaos_connects_total')).toBe(stats.connects);
  expect(end.sum('edge_chaos_disconnects_total')).toBe(stats.disconnects);
  expect(end.sum('edge_chaos_connect_failures_total')).toBe(stats.connectFailures);
  expect(end.sum('edge_chaos_commands_issued_total')).toBe(stats.commandsIssued);
  expect(end.sum('edge_chaos_commands_applied_total')).toBe(stats.commandsApplied);
  expect(end.sum('edge_chaos_agents')).toBe(stats.agents);
  expect(end.sum('edge_chaos_faults_active')).toBe(0);
  expect(end.sum('edge_chaos_fleet_shards_alive')).toBe(2);
  expect(stats.disconnects).toBeGreaterThan(0);
  expect(stats.commandsApplied).toBeGreaterThan(0);
  // Counters only grow: every live reading is at most the final one.
  for (const name of ['edge_chaos_connects_total', 'edge_chaos_disconnects_total', 'edge_chaos_commands_applied_total']) {
    for (const s of live) expect(s.sum(name)!).toBeLessThanOrEqual(end.sum(name)!);
  }
  expect(result.verdict).toBe('passed');
}, 120_000);

test('a run on network shards interrupted during its ramp ends interrupted at once, its shards stopped', async () => {
  const abort = new AbortController();
  const startedAt = performance.now();
  const result = await runScenario(SCENARIOS.get('loop')!, {
    agents: 4,
    durationMs: 30_000,
    seed: '1',
    fleetRunner: { kind: 'local-network' },
    fleetShards: 2,
    signal: abort.signal,
    onEndpoint: ({ name }) => {
      if (name === 'collector') abort.abort();
    },
  });
  expect(result.verdict).toBe('interrupted');
  expect(performance.now() - startedAt).toBeLessThan(20_000);
  expect(descendantsOf(process.pid).filter((p) => p.cmdline.includes('harness/runtime/fleet/shard/main.ts'))).toEqual([]);
}, 60_000);
