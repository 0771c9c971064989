import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { freePort } from '../../free-port.ts';
import { kubernetesLauncher } from './kubernetes.ts';
import type { ShardPlan } from '../shard/config.ts';
import { SHARD_ENV } from '../shard/wire.ts';
import { shardEnvs, type LaunchHooks } from './launcher.ts';

/**
 * The kubernetes launcher where no cluster exists (as here): every way it
 * cannot reach one is a coded error naming what it was doing, before or
 * instead of creating anything. What it does against a real API server was
 * not run (docs/distributed.md).
 */
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-kube-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
  // Nothing started, so nothing can have ended.
  expect(exits).toEqual([]);
});

const plan: ShardPlan = { planVersion: 1, agents: 2, shards: 2, hubUrls: [{ url: 'http://hub.ci.svc:8080', count: 2 }], idPrefix: 'agent-', seed: '1', backoff: {}, rampMs: 0, sourceAddresses: 1, runStartEpochMs: 0 };
const envs = shardEnvs(plan, 'http://coordinator.ci.svc:9090', 't');
const launcher = () => kubernetesLauncher({ runId: 'test1', namespace: 'ci', image: 'registry.example.com/edge-chaos:1.0', collectorUrl: 'http://coordinator.ci.svc:9090', requests: { cpu: '100m', memory: '64Mi' }, startTimeoutMs: 5_000 });
const exits: string[] = [];
const hooks = (): LaunchHooks => ({ onExit: (index, how) => exits.push(`${index} ${how}`), signal: new AbortController().signal });

function kubeconfig(server: string | undefined): string {
  const path = join(tmp, `config-${Math.random().toString(36).slice(2)}`);
  const text =
    server === undefined
      ? 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n'
      : `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: abc}\n`;
  writeFileSync(path, text);
  return path;
}

describe('kubernetes launcher without a cluster', () => {
  test('the network fleet\'s hooks: the collector on every interface at --collector-url\'s port, which the shards dial; one source address in a pod', () => {
    const l = launcher();
    expect([l.name, l.collectorHost, l.collectorPort, l.collectorUrl?.(0)]).toEqual(['kubernetes', '0.0.0.0', 9090, 'http://coordinator.ci.svc:9090']);
    expect(l.adaptPlan?.({ ...plan, sourceAddresses: 3 }).sourceAddresses).toBe(1);
    const https = kubernetesLauncher({ runId: 'test1', namespace: 'ci', image: 'x', collectorUrl: 'https://coordinator.ci.svc', requests: { cpu: '1', memory: '1Gi' } });
    expect(https.collectorPort).toBe(443);
  });

  test('shard envs a pod template cannot hold are refused before the client loads', async () => {
    const differing = envs.map((shard, i) => ({ ...shard, env: { ...shard.env, [SHARD_ENV.runToken]: `t${i}` } }));
    await expect(launcher().start(differing, hooks())).rejects.toMatchObject({ code: 'EC_BAD_OPTION' });
  });

  test('a kubeconfig with no current context: EC_KUBE_API saying so, and pointing at --dry-run', async () => {
    vi.stubEnv('KUBECONFIG', kubeconfig(undefined));
    await expect(launcher().start(envs, hooks())).rejects.toMatchObject({ code: 'EC_KUBE_API', message: expect.stringContaining('no Kubernetes cluster'), fix: expect.stringContaining('--dry-run') });
  });

  test('an API server that does not answer: EC_KUBE_API naming the first object it tried to create', async () => {
    vi.stubEnv('KUBECONFIG', kubeconfig(`https://127.0.0.1:${await freePort()}`));
    await expect(launcher().start(envs, hooks())).rejects.toMatchObject({ code: 'EC_KUBE_API', message: expect.stringMatching(/creating Secret edge-chaos-shards-test1 in namespace ci failed: .*ECONNREFUSED/) });
  });
});
