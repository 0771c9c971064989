import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startHub } from '../../../server/start.ts';
import { LABEL_OWNER_PID } from '../docker/cleanup.ts';
import { buildHubImage } from '../docker/node-image.ts';
import { containersWithLabels, dockerGate } from '../docker/test-support.ts';
import { containersLauncher, LABEL_RUN_ID, MAX_ENV_CONFIG_BYTES, shardEnvironment } from './containers.ts';
import { newRunId } from './index.ts';
import { shardEnvs, type ShardExit } from './launcher.ts';

describe('the env a shard container gets', () => {
  test('its index as a pod\'s, unless given; a config too big for one env string moves to a file', () => {
    expect(shardEnvironment({ EDGE_CHAOS_SHARD_CONFIG: '{}' }, 4)).toEqual({ JOB_COMPLETION_INDEX: '4', EDGE_CHAOS_SHARD_CONFIG: '{}' });
    const big = JSON.stringify({ hubUrls: 'x'.repeat(MAX_ENV_CONFIG_BYTES) });
    expect(shardEnvironment({ EDGE_CHAOS_SHARD_CONFIG: big, JOB_COMPLETION_INDEX: '1' }, 1)).toEqual({ JOB_COMPLETION_INDEX: '1', EDGE_CHAOS_SHARD_CONFIG_FILE: '/etc/edge-chaos/shard-config.json' });
  });
});

/** What the coordinator's collector would be: an HTTP server on loopback that keeps what shards post. */
async function startCollector(): Promise<{ url: string; reports: Record<string, unknown>[]; auth: (string | undefined)[]; server: Server }> {
  const reports: Record<string, unknown>[] = [];
  const auth: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      auth.push(req.headers.authorization);
      reports.push(JSON.parse(body) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reports, auth, server };
}

const gate = await dockerGate();

describe.skipIf(gate.skip)(`containers fleet runner on the local engine${gate.suffix}`, () => {
  let image = '';
  beforeAll(async () => {
    image = (await buildHubImage()).image;
  }, 300_000);

  afterAll(() => {
    expect(containersWithLabels('edge-chaos=1', `${LABEL_OWNER_PID}=${process.pid}`)).toEqual([]);
  });

  test('each shard gets exactly its env (index, config, collector, token), reaches the collector on loopback; an early exit is a lost shard, named; stop removes all', async () => {
    const collector = await startCollector();
    const runId = newRunId();
    const big = JSON.stringify({ firstIndex: 2, hubUrls: Array.from({ length: 3_000 }, (_, i) => `http://127.0.0.1:${20_000 + (i % 7)}/agent-${i}`) });
    expect(big.length).toBeGreaterThan(MAX_ENV_CONFIG_BYTES);
    const configs = [JSON.stringify({ firstIndex: 0 }), JSON.stringify({ firstIndex: 1 }), big];
    const envs = shardEnvs({ configs, shards: 3, collectorUrl: collector.url, runToken: 'run-token-1' });
    const lost: ShardExit[] = [];
    const launcher = containersLauncher({ image, runId, command: ['node', '--import', 'tsx', 'harness/runtime/fleet-runners/fixtures/report-env.ts', '1'], stopTimeoutMs: 5_000 });
    const shards = await launcher.start(envs, { onShardExit: (exit) => lost.push(exit) });
    try {
      expect(shards.names).toEqual([0, 1, 2].map((i) => `edge-chaos-shard-${runId}-${i}`));
      await vi.waitFor(() => expect(collector.reports).toHaveLength(3), { timeout: 30_000, interval: 200 });
      const byIndex = new Map(collector.reports.map((r) => [r.index, r]));
      for (const i of [0, 1, 2]) {
        expect(byIndex.get(String(i))).toMatchObject({ collectorUrl: collector.url, runToken: 'run-token-1', config: configs[i], host: null, port: null });
      }
      expect(byIndex.get('2')!.configFile).toBe('/etc/edge-chaos/shard-config.json');
      expect(byIndex.get('0')!.configFile).toBeNull();
      expect(collector.auth.every((a) => a === 'Bearer run-token-1')).toBe(true);

      // Shard 1 exits with code 3 after reporting: reported once, by name, with its last output.
      await vi.waitFor(() => expect(lost).toHaveLength(1), { timeout: 15_000, interval: 200 });
      expect(lost[0]).toEqual({ index: 1, name: `edge-chaos-shard-${runId}-1`, how: 'exited with code 3: shard giving up on purpose', early: true });

      const ids = containersWithLabels(`${LABEL_RUN_ID}=${runId}`);
      expect(ids).toHaveLength(3);
      for (const id of ids) {
        expect(execFileSync('docker', ['inspect', '--format', '{{.HostConfig.NetworkMode}} {{len .Mounts}}', id], { encoding: 'utf8' }).trim()).toBe('host 0');
      }
    } finally {
      await shards.stop();
      await new Promise((resolve) => collector.server.close(resolve));
    }
    expect(containersWithLabels(`${LABEL_RUN_ID}=${runId}`)).toEqual([]);
    const exits = await shards.exited;
    expect(exits.map((e) => [e.index, e.early])).toEqual([[0, false], [1, true], [2, false]]);
    // Stopped shards got SIGTERM and exited by themselves (0), not killed after the timeout.
    expect(exits[0]!.how).toMatch(/^exited with code 0/);
    expect(lost).toHaveLength(1);
    await shards.stop(); // idempotent
  }, 120_000);

  test('the image runs the real shard entry: its agents reach a hub on the host and report back', async () => {
    await using hub = await startHub();
    const collector = await startCollector();
    const runId = newRunId();
    const config = { firstIndex: 0, hubUrls: [hub.url, hub.url, hub.url], idPrefix: 'agent-', seed: '1', backoff: {}, rampMs: 0, sourceAddresses: 1, runStartEpochMs: performance.timeOrigin + performance.now() };
    const launcher = containersLauncher({ image, runId, command: ['node', '--import', 'tsx', 'harness/runtime/fleet-runners/fixtures/fork-shard.ts'], stopTimeoutMs: 10_000 });
    const shards = await launcher.start(shardEnvs({ configs: [JSON.stringify(config)], shards: 1, collectorUrl: collector.url, runToken: 't' }));
    try {
      await vi.waitFor(
        () => {
          const opened = collector.reports.flatMap((r) => (r.events as { type: string; agent: string }[] | undefined) ?? []).filter((e) => e.type === 'ws.open');
          expect(new Set(opened.map((e) => e.agent))).toEqual(new Set(['agent-1', 'agent-2', 'agent-3']));
        },
        { timeout: 30_000, interval: 200 },
      );
      expect(collector.reports.some((r) => r.started === true)).toBe(true);
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      expect(metrics).toMatch(/^edge_hub_connections_open 3$/m);
    } finally {
      await shards.stop();
      await new Promise((resolve) => collector.server.close(resolve));
    }
    expect((await shards.exited)[0]).toMatchObject({ early: false, how: expect.stringMatching(/^exited with code 0/) });
  }, 120_000);

  test('an image the engine does not have: EC_DOCKER_STARTUP before any container exists', async () => {
    const runId = newRunId();
    const launcher = containersLauncher({ image: 'edge-chaos/none:missing', runId });
    await expect(launcher.start(shardEnvs({ configs: ['{}'], shards: 1, collectorUrl: 'http://127.0.0.1:1', runToken: 't' }))).rejects.toMatchObject({ code: 'EC_DOCKER_STARTUP', fix: expect.stringContaining('npm run hub:image') });
    expect(containersWithLabels(`${LABEL_RUN_ID}=${runId}`)).toEqual([]);
  });
});
