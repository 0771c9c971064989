import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllYaml, type V1ConfigMap, type V1Job, type V1Secret } from '@kubernetes/client-node';
import { afterAll, describe, expect, test } from 'vitest';
import type { ShardConfig } from '../../agent/shard/config.ts';
import { parseCliArgs } from './args.ts';
import { runCli } from './cli.ts';

/**
 * --fleet-runner and its flags: bad values refused before anything starts
 * (two lines, exit 2), and `--fleet-runner kubernetes --dry-run` end to end
 * through the real CLI: valid manifests and shard configs on stdout, exit 0,
 * nothing started and no report written.
 */
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-fleet-runner-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BASE = ['loop', '--agents', '1', '--duration', '1s', '--report-dir', join(tmp, 'would-run')];
const K8S = ['--fleet-runner', 'kubernetes', '--image', 'registry.example.com/edge-chaos:1.0', '--hub-url', 'http://hub.ci.svc:8080', '--collector-url', 'http://coordinator.ci.svc:9090'];
const without = (args: string[], flag: string) => args.filter((_, i) => args[i] !== flag && args[i - 1] !== flag);

// [argv after BASE, what the cause line must name]
const CASES: [string[], RegExp][] = [
  [['--fleet-runner', 'k8s'], /--fleet-runner "k8s" is not a fleet runner/],
  [['--fleet-runner', 'kubernetes\n'], /--fleet-runner/],
  [['--namespace', 'ci'], /--namespace goes with --fleet-runner kubernetes/],
  [['--dry-run'], /--dry-run goes with --fleet-runner kubernetes/],
  [['--fleet-runner', 'containers', '--collector-url', 'http://c.ci.svc:1'], /--collector-url goes with --fleet-runner kubernetes, not containers/],
  [['--shards', '2'], /--shards goes with --fleet-runner containers or kubernetes/],
  [['--fleet-runner', 'local', '--image', 'x'], /--image goes with/],
  [['--fleet-runner', 'containers', '--shards', '0'], /--shards 0/],
  [['--fleet-runner', 'containers', '--shards', '65'], /--shards 65 .*1 to 64/],
  [['--fleet-runner', 'containers', '--shards', 'two'], /--shards two/],
  [['--fleet-runner', 'containers', '--image', 'Not An Image'], /--image "Not An Image"/],
  [['--fleet-runner', 'containers', '--fleet-shards', '2'], /--fleet-shards .*--fleet-runner containers/],
  [without(K8S, '--image'), /needs --image/],
  [without(K8S, '--collector-url'), /needs --collector-url/],
  [[...without(K8S, '--collector-url'), '--collector-url', 'http://127.0.0.1:9090'], /--collector-url .*loopback/],
  [[...without(K8S, '--collector-url'), '--collector-url', 'ftp://c.ci.svc'], /--collector-url "ftp:\/\/c.ci.svc" is not an http/],
  [without(K8S, '--hub-url'), /needs --hub-url/],
  [[...without(K8S, '--hub-url'), '--hub-url', 'http://localhost:8080'], /--hub-url .*loopback/],
  [[...without(K8S, '--hub-url'), '--hub-cmd', 'node hub.js'], /needs --hub-url.*command/],
  [[...K8S, '--namespace', 'Bad_NS'], /--namespace "Bad_NS"/],
  [[...K8S, '--shard-cpu', '0'], /--shard-cpu "0"/],
  [[...K8S, '--shard-cpu', 'lots'], /--shard-cpu "lots"/],
  [[...K8S, '--shard-memory', '1XB'], /--shard-memory "1XB"/],
  [[...K8S, '--shards', '1001'], /--shards 1001 .*1 to 1000/],
  [[...K8S, '--toxiproxy', 'embedded'], /--toxiproxy embedded .*pods cannot reach/],
  [[...K8S, '--toxiproxy', 'http://127.0.0.1:8474'], /--toxiproxy .*loopback/],
  [[...K8S, '--fleet-shards', '2'], /--fleet-shards .*pods/],
];

function streams() {
  let out = '';
  let err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

async function refused(argv: string[]): Promise<string> {
  const s = streams();
  const code = await runCli(argv, s.io);
  const lines = s.err().replace(/\n$/, '').split('\n');
  expect(lines, s.err()).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[1]).toMatch(/^fix: \S/);
  expect(code).toBe(2);
  expect(s.out()).toBe('');
  return lines[0]!;
}

describe('--fleet-runner bad values: two lines on stderr, exit 2, nothing started', () => {
  test.each(CASES)('%j', async (args, named) => {
    expect(await refused([...BASE, ...args])).toMatch(named);
    expect(existsSync(join(tmp, 'would-run'))).toBe(false);
  });

  test('a scenario with faults on kubernetes needs a Toxiproxy in the cluster (checked with the scenario, before the run)', async () => {
    expect(await refused(['reset', '--agents', '10', ...K8S, '--dry-run'])).toMatch(/sends the agents through Toxiproxy/);
  });

  test('flag errors are coded: EC_USAGE for a flag the runner does not take, EC_BAD_OPTION for a value it cannot use', () => {
    expect(() => parseCliArgs([...BASE, '--namespace', 'ci'])).toThrow(expect.objectContaining({ code: 'EC_USAGE' }));
    expect(() => parseCliArgs([...BASE, ...without(K8S, '--image')])).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION' }));
    expect(parseCliArgs([...BASE, ...K8S, '--shards', '3', '--namespace', 'ci', '--shard-cpu', '2', '--shard-memory', '1Gi']).fleetRunner).toEqual({
      kind: 'kubernetes', image: 'registry.example.com/edge-chaos:1.0', shards: 3, namespace: 'ci', shardCpu: '2', shardMemory: '1Gi', collectorUrl: 'http://coordinator.ci.svc:9090',
    });
  });

  // MERGE NOTE: once the shard transport and collector land, these runs start; replace this with a containers run test.
  test('until the shard transport is merged, a containers or kubernetes run is refused before anything starts', async () => {
    expect(await refused([...BASE, '--fleet-runner', 'containers'])).toMatch(/--fleet-runner containers needs the shard network transport/);
    expect(await refused([...BASE, ...K8S])).toMatch(/--fleet-runner kubernetes needs the shard network transport/);
  });
});

/** Runs the real CLI (node + tsx, as npm run scenario does) and parses stdout as Kubernetes YAML. */
function dryRun(args: string[]): { status: number | null; stderr: string; stdout: string; objects: (V1Secret | V1ConfigMap | V1Job)[] } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TOXIPROXY_URL: '' } });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout, objects: run.status === 0 ? (loadAllYaml(run.stdout) as (V1Secret | V1ConfigMap | V1Job)[]) : [] };
}

function byKind<K extends 'Secret' | 'ConfigMap' | 'Job'>(objects: (V1Secret | V1ConfigMap | V1Job)[], kind: K) {
  return objects.find((o) => o.kind === kind) as K extends 'Secret' ? V1Secret : K extends 'ConfigMap' ? V1ConfigMap : V1Job;
}

describe('--fleet-runner kubernetes --dry-run, through the CLI', () => {
  test('prints a valid Indexed Job, its ConfigMap and Secret, and each shard\'s config; exit 0, no report', () => {
    const reportDir = join(tmp, 'dry-run-report');
    const run = dryRun(['loop', '--agents', '10', '--seed', '42', ...K8S, '--shards', '3', '--namespace', 'ci', '--shard-cpu', '250m', '--shard-memory', '256Mi', '--dry-run', '--report-dir', reportDir]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(existsSync(reportDir)).toBe(false);
    expect(run.objects.map((o) => o.kind)).toEqual(['Secret', 'ConfigMap', 'Job']);
    const job = byKind(run.objects, 'Job');
    const configMap = byKind(run.objects, 'ConfigMap');
    const secret = byKind(run.objects, 'Secret');
    const runId = job.metadata!.labels!['edge-chaos/run-id']!;
    for (const o of run.objects) expect(o.metadata).toMatchObject({ name: `edge-chaos-shards-${runId}`, namespace: 'ci', labels: { 'edge-chaos/run-id': runId } });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0 });
    expect(job.spec!.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(job.spec!.activeDeadlineSeconds).toBeGreaterThan(20);
    const container = job.spec!.template.spec!.containers[0]!;
    expect(container.image).toBe('registry.example.com/edge-chaos:1.0');
    expect(container.resources!.requests).toEqual({ cpu: '250m', memory: '256Mi' });
    const env = new Map(container.env!.map((e) => [e.name, e]));
    expect(env.get('EDGE_CHAOS_COLLECTOR_URL')!.value).toBe('http://coordinator.ci.svc:9090');
    expect(env.get('JOB_COMPLETION_INDEX')!.valueFrom!.fieldRef!.fieldPath).toContain('job-completion-index');
    const tokenRef = env.get('EDGE_CHAOS_RUN_TOKEN')!.valueFrom!.secretKeyRef!;
    expect(secret.stringData![tokenRef.key]).toMatch(/^\S{20,}$/);

    // Pod i reads the key its env names; together the shards run agent-1..agent-10 once each, all dialling the hub.
    const fileFor = (i: number) => env.get('EDGE_CHAOS_SHARD_CONFIG_FILE')!.value!.replace('$(JOB_COMPLETION_INDEX)', String(i));
    const configs = [0, 1, 2].map((i) => JSON.parse(configMap.data![fileFor(i).replace('/etc/edge-chaos/', '')]!) as ShardConfig);
    expect(configs.map((c) => [c.firstIndex, c.hubUrls.length])).toEqual([[0, 4], [4, 4], [8, 2]]);
    expect(new Set(configs.flatMap((c) => c.hubUrls))).toEqual(new Set(['http://hub.ci.svc:8080']));
    expect(configs.every((c) => c.seed === '42' && c.idPrefix === 'agent-')).toBe(true);
  }, 90_000);

  test('with faults and --token: agents dial the cluster Toxiproxy\'s fixed ports; the config moves to the Secret with the token redacted', () => {
    const run = dryRun(['reset', '--agents', '10', ...K8S, '--toxiproxy', 'http://toxiproxy.ci.svc:8474', '--token', 'agent-token-value', '--dry-run']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('agent-token-value');
    expect(run.objects.map((o) => o.kind)).toEqual(['Secret', 'Job']);
    const secret = byKind(run.objects, 'Secret');
    const config = JSON.parse(secret.stringData!['shard-config.json']!) as ShardConfig;
    expect(config.token).toMatch(/redacted/);
    // reset: a 30% group behind one proxy, the rest behind another; proxies at 20000 and 20001 on the Toxiproxy's host.
    expect([...new Set(config.hubUrls)].sort()).toEqual(['http://toxiproxy.ci.svc:20000', 'http://toxiproxy.ci.svc:20001']);
    expect(config.hubUrls.slice(0, 3)).toEqual(Array(3).fill('http://toxiproxy.ci.svc:20000'));
  }, 90_000);
});
