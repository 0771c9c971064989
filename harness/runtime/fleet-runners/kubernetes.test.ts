import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { freePort } from '../free-port.ts';
import { kubernetesLauncher } from './kubernetes.ts';
import { shardEnvs } from './launcher.ts';

/**
 * The kubernetes launcher where no cluster exists (as here): every way it
 * cannot reach one is a coded error naming what it was doing, before or
 * instead of creating anything. What it does against a real API server was
 * not run (docs/distributed.md).
 */
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-kube-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

const envs = shardEnvs({ configs: ['{"firstIndex":0,"hubUrls":[]}'], shards: 2, collectorUrl: 'http://coordinator.ci.svc:9090', runToken: 't' });
const launcher = () => kubernetesLauncher({ runId: 'test1', namespace: 'ci', image: 'registry.example.com/edge-chaos:1.0', requests: { cpu: '100m', memory: '64Mi' }, startTimeoutMs: 5_000 });

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
  test('shard envs a pod template cannot hold are refused before the client loads', async () => {
    const differing = envs.map((env, i) => ({ ...env, EDGE_CHAOS_RUN_TOKEN: `t${i}` }));
    await expect(launcher().start(differing)).rejects.toMatchObject({ code: 'EC_BAD_OPTION' });
  });

  test('a kubeconfig with no current context: EC_KUBE_API saying so, and pointing at --dry-run', async () => {
    vi.stubEnv('KUBECONFIG', kubeconfig(undefined));
    await expect(launcher().start(envs)).rejects.toMatchObject({ code: 'EC_KUBE_API', message: expect.stringContaining('no Kubernetes cluster'), fix: expect.stringContaining('--dry-run') });
  });

  test('an API server that does not answer: EC_KUBE_API naming the first object it tried to create', async () => {
    vi.stubEnv('KUBECONFIG', kubeconfig(`https://127.0.0.1:${await freePort()}`));
    await expect(launcher().start(envs)).rejects.toMatchObject({ code: 'EC_KUBE_API', message: expect.stringMatching(/creating Secret edge-chaos-shards-test1 in namespace ci failed: .*ECONNREFUSED/) });
  });
});
