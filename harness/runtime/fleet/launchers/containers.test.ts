import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test, vi } from 'vitest';
import type { ShardPlan } from '../shard/config.ts';
import { containersWithLabels, dockerGate, useProjectImage } from '../../docker/test-support.ts';
import { shardEnvs, type LaunchHooks } from './launcher.ts';
import { newRunId } from '../runner-settings.ts';
import { containersLauncher, LABEL_RUN_ID, shardContainerName } from './containers.ts';

/**
 * The containers launcher on its own, with a stand-in shard
 * (fixtures/report-env.ts) that reports its environment: what a container
 * gets, how an early exit is reported, and that stop removes everything.
 * Whole runs on real shard containers are in containers-run.test.ts.
 */

/** A loopback HTTP server that keeps what the stand-in shards post. */
async function startReceiver(): Promise<{ url: string; reports: Record<string, unknown>[]; auth: (string | undefined)[]; server: Server }> {
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

const plan: ShardPlan = { planVersion: 1, agents: 3, shards: 3, hubUrls: [{ url: 'http://127.0.0.1:1', count: 3 }], idPrefix: 'agent-', seed: '1', backoff: {}, rampMs: 0, sourceAddresses: 1, runStartEpochMs: 0 };
const hooks = (exits: string[]): LaunchHooks => ({ onExit: (index, how) => exits.push(`${index}: ${how}`), signal: new AbortController().signal });

const gate = await dockerGate();

describe.skipIf(gate.skip)(`containers launcher on the local engine${gate.suffix}`, () => {
  const projectImage = useProjectImage();

  test('each shard gets exactly its env, host-networked, and reaches the coordinator on loopback; an early exit is reported once, by container name; stop removes all, by SIGTERM', async () => {
    const receiver = await startReceiver();
    const runId = newRunId();
    const envs = shardEnvs(plan, receiver.url, 'run-token-1');
    const exits: string[] = [];
    const launcher = containersLauncher({ image: projectImage(), runId, command: ['node', '--import', 'tsx', 'harness/runtime/fleet/launchers/fixtures/report-env.ts', '1'], stopTimeoutMs: 10_000 });
    const shards = await launcher.start(envs, hooks(exits));
    let stopMs = Number.POSITIVE_INFINITY;
    try {
      await vi.waitFor(() => expect(receiver.reports).toHaveLength(3), { timeout: 30_000, interval: 200 });
      const byIndex = new Map(receiver.reports.map((r) => [r.index, r]));
      for (const i of [0, 1, 2]) {
        expect(byIndex.get(String(i))).toEqual({ index: String(i), collectorUrl: receiver.url, runToken: 'run-token-1', config: JSON.stringify(plan), configFile: null, host: null, port: null });
      }
      expect(receiver.auth.every((a) => a === 'Bearer run-token-1')).toBe(true);

      // Shard 1 exits with code 3 after reporting: reported once, by name, with its last output.
      await vi.waitFor(() => expect(exits).toHaveLength(1), { timeout: 15_000, interval: 200 });
      expect(exits[0]).toBe(`1: container ${shardContainerName(runId, 1)} exited with code 3: shard giving up on purpose`);
      expect(shards.logTail?.(1)).toContain('shard giving up on purpose');

      const ids = containersWithLabels(`${LABEL_RUN_ID}=${runId}`);
      expect(ids).toHaveLength(3);
      for (const id of ids) {
        expect(execFileSync('docker', ['inspect', '--format', '{{.HostConfig.NetworkMode}} {{len .Mounts}}', id], { encoding: 'utf8' }).trim()).toBe('host 0');
      }
    } finally {
      const t = performance.now();
      await shards.stop();
      stopMs = performance.now() - t;
      await new Promise((resolve) => receiver.server.close(resolve));
    }
    // The running shards got SIGTERM and exited by themselves, well inside the 10 s before docker kills.
    expect(stopMs).toBeLessThan(8_000);
    await shards.exited;
    expect(containersWithLabels(`${LABEL_RUN_ID}=${runId}`)).toEqual([]);
    // Ends the run caused are not reported.
    expect(exits).toHaveLength(1);
    await shards.stop(); // idempotent
  }, 120_000);

  test('an image the engine does not have: EC_DOCKER_STARTUP before any container exists', async () => {
    const runId = newRunId();
    const exits: string[] = [];
    const launcher = containersLauncher({ image: 'edge-chaos/none:missing', runId });
    await expect(launcher.start(shardEnvs({ ...plan, shards: 1 }, 'http://127.0.0.1:1', 't'), hooks(exits))).rejects.toMatchObject({ code: 'EC_DOCKER_STARTUP', fix: expect.stringContaining('npm run hub:image') });
    expect(containersWithLabels(`${LABEL_RUN_ID}=${runId}`)).toEqual([]);
    expect(exits).toEqual([]);
  });

  test('a launch the run already stopped starts no container', async () => {
    const runId = newRunId();
    const abort = new AbortController();
    const exits: string[] = [];
    const launcher = containersLauncher({ image: projectImage(), runId, command: ['node', '-e', 'setInterval(() => {}, 1000); process.on("SIGTERM", () => process.exit(0))'], stopTimeoutMs: 5_000 });
    abort.abort();
    const shards = await launcher.start(shardEnvs(plan, 'http://127.0.0.1:1', 't'), { onExit: (i, how) => exits.push(`${i}: ${how}`), signal: abort.signal });
    expect(containersWithLabels(`${LABEL_RUN_ID}=${runId}`)).toEqual([]);
    await shards.stop();
    await shards.exited;
    expect(exits).toEqual([]);
  });
});
