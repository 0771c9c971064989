import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../../../scenarios/index.ts';
import { runScenario } from '../../../runner/run.ts';
import { LABEL_OWNER_PID } from '../../docker/cleanup.ts';
import { containersWithLabels, dockerGate, useProjectImage } from '../../docker/test-support.ts';
import { LABEL_SHARD_INDEX } from './containers.ts';

/**
 * Whole runs with the fleet in shard containers (--fleet-runner containers):
 * the real shard entry in the project image, streaming to the run's collector
 * over loopback (host networking). The proof on one machine: the
 * same verdict, check by check, as the local runner with the same seed; a
 * shard container killed mid-run makes the run invalid, naming the shard.
 */
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-containers-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const gate = await dockerGate();

describe.skipIf(gate.skip)(`runs on shard containers${gate.suffix}`, () => {
  // Built (or found by its content hash) once, before the clock of any run starts; the runs find it by its hash.
  useProjectImage();

  test('steady on 4 shard containers reaches the same verdict, check by check, as on the local runner with the same seed', async () => {
    const scenario = SCENARIOS.get('steady')!;
    const options = { agents: 200, durationMs: 3_000, seed: '11' };
    const endpoints: string[] = [];
    // Side by side: each has its own hub, proxy and history, and steady's 10 s ramp is most of either run's time.
    const [local, containers] = await Promise.all([
      runScenario(scenario, options),
      runScenario(scenario, { ...options, fleetRunner: { kind: 'containers' }, fleetShards: 4, onEndpoint: (e) => endpoints.push(e.name) }),
    ]);

    expect(endpoints).toEqual(['collector']);
    expect(containers.checks.map((c) => [c.id, c.status])).toEqual(local.checks.map((c) => [c.id, c.status]));
    expect(containers.verdict).toBe(local.verdict);
    expect(containers.verdict).toBe('passed');
    expect(containers.checks.find((c) => c.id === 'shards-alive')!.status).toBe('passed');
    expect(containers.replay).toContain('--fleet-shards 4 --fleet-runner containers');
    // Every agent ran, in a container, and its events reached the one history.
    expect(new Set(containers.events.flatMap((e) => (e.type === 'ws.open' ? [e.agent] : []))).size).toBe(200);
    expect(containers.stats.commandsApplied).toBeGreaterThan(0);
    expect(containers.stats.commandsApplied).toBe(containers.stats.commandsIssued);
    expect(containersWithLabels(`${LABEL_OWNER_PID}=${process.pid}`)).toEqual([]);
  }, 120_000);

  test('a shard container killed mid-run makes the CLI run invalid (exit 2) with the shard named, and no container is left', async () => {
    const { TOXIPROXY_URL: _proxy, GITHUB_STEP_SUMMARY: _summary, ...env } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'loop', '--agents', '20', '--duration', '5s', '--seed', '2', '--fleet-runner', 'containers', '--fleet-shards', '2', '--report-dir', join(tmp, 'kill')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((done) => child.once('close', done));
    const mine = `${LABEL_OWNER_PID}=${child.pid}`;
    try {
      // Once the steady phase is printed every shard has started its agents; then shard 2's container is killed.
      const deadline = performance.now() + 90_000;
      while (!/\] steady /.test(stderr) && child.exitCode === null && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toMatch(/^collector: http:\/\/127\.0\.0\.1:\d+ \(network shards stream their events here\)$/m);
      expect(containersWithLabels(mine)).toHaveLength(2);
      const [second] = containersWithLabels(mine, `${LABEL_SHARD_INDEX}=1`);
      execFileSync('docker', ['kill', second!]);

      expect(await exited).toBe(2);
      expect(stdout).toContain('INVALID: this run cannot judge the hub');
      expect(stdout).toMatch(/shards-alive: fleet shard 2 \(agents 11\.\.20\) died at \d+\.\d s \(container edge-chaos-shard-[0-9a-f]+-1 exited with code 137/);
      expect(containersWithLabels(mine)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const id of containersWithLabels(mine)) execFileSync('docker', ['rm', '-f', id]);
    }
  }, 120_000);
});
