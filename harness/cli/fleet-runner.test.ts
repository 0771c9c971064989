import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllYaml, type V1ConfigMap, type V1Job, type V1Secret } from '@kubernetes/client-node';
import { afterAll, describe, expect, test } from 'vitest';
import { checkPlan, sliceOf } from '../runtime/fleet/shard/config.ts';
import { SETTING_FLAGS } from '../runtime/fleet/runner-settings.ts';
import { FLEET_RUNNERS } from '../runtime/fleet/runners.ts';
import { parseCliArgs, USAGE } from './args.ts';
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
  [['--fleet-runner', 'k8s'], /--fleet-runner k8s is not a fleet runner/],
  [['--fleet-runner', 'kubernetes\n'], /--fleet-runner/],
  [['--namespace', 'ci'], /--namespace goes with --fleet-runner kubernetes/],
  [['--dry-run'], /--dry-run goes with --fleet-runner kubernetes/],
  [['--fleet-runner', 'containers', '--collector-url', 'http://c.ci.svc:1'], /--collector-url goes with --fleet-runner kubernetes, not containers/],
  [['--fleet-runner', 'containers', '--dry-run'], /--dry-run goes with --fleet-runner kubernetes, not containers/],
  [['--fleet-runner', 'local-network', '--image', 'x'], /--image goes with --fleet-runner containers or kubernetes, not local-network/],
  [['--image', 'x'], /--image goes with --fleet-runner containers or kubernetes/],
  [['--shards', '2'], /Unknown option '--shards'/],
  [['--fleet-runner', 'containers', '--fleet-shards', '0'], /--fleet-shards 0 runs every agent in this process, but --fleet-runner containers/],
  [['--fleet-runner', 'containers', '--fleet-shards', '65'], /--fleet-shards 65 is too many for --fleet-runner containers: at most 64/],
  [['--fleet-runner', 'containers', '--fleet-shards', 'two'], /--fleet-shards two/],
  [['--fleet-runner', 'containers', '--image', 'Not An Image'], /--image "Not An Image"/],
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
  [[...K8S, '--fleet-shards', '1001'], /--fleet-shards 1001 is too many for --fleet-runner kubernetes: at most 1000/],
  [[...K8S, '--toxiproxy', 'embedded'], /--toxiproxy embedded .*pods cannot reach/],
  [[...K8S, '--toxiproxy', 'http://127.0.0.1:8474'], /--toxiproxy .*loopback/],
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
    const k8s = parseCliArgs([...BASE, ...K8S, '--fleet-shards', '3', '--namespace', 'ci', '--shard-cpu', '2', '--shard-memory', '1Gi']);
    expect([k8s.fleetRunner, k8s.fleetShards]).toEqual([{ kind: 'kubernetes', image: 'registry.example.com/edge-chaos:1.0', namespace: 'ci', shardCpu: '2', shardMemory: '1Gi', collectorUrl: 'http://coordinator.ci.svc:9090' }, 3]);
    expect(parseCliArgs([...BASE, '--fleet-runner', 'containers', '--fleet-shards', '4']).fleetRunner).toEqual({ kind: 'containers' });
  });

  test('--help names every runner of FLEET_RUNNERS and every flag a runner reads; the parser takes each of those flags', () => {
    for (const name of Object.keys(FLEET_RUNNERS)) expect(USAGE).toMatch(new RegExp(`\\b${name}\\b`));
    for (const flag of [...Object.values(SETTING_FLAGS), '--dry-run']) {
      expect(USAGE).toMatch(new RegExp(`^  ${flag} `, 'm'));
      const args = flag === '--dry-run' ? [flag] : [flag, 'x'];
      // Refused for the local runner as a flag another runner reads, never as an unknown option.
      expect(() => parseCliArgs([...BASE, ...args])).toThrow(expect.objectContaining({ message: expect.stringContaining(`${flag} goes with --fleet-runner`) }));
    }
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
    const run = dryRun(['loop', '--agents', '10', '--seed', '42', ...K8S, '--fleet-shards', '3', '--namespace', 'ci', '--shard-cpu', '250m', '--shard-memory', '256Mi', '--dry-run', '--report-dir', reportDir]);
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

    // Every pod reads the one plan its env names and takes its slice by its index, with the shard's own check:
    // together the shards run agent-1..agent-10 once each, all dialling the hub.
    const file = env.get('EDGE_CHAOS_SHARD_CONFIG_FILE')!.value!;
    expect(file).toBe('/etc/edge-chaos/shard-config.json');
    const plan = JSON.parse(configMap.data!['shard-config.json']!) as unknown;
    const slices = [0, 1, 2].map((i) => sliceOf(checkPlan(plan, i), i));
    expect(slices.map((c) => [c.firstIndex, c.hubUrls.length])).toEqual([[0, 4], [4, 4], [8, 2]]);
    expect(new Set(slices.flatMap((c) => c.hubUrls))).toEqual(new Set(['http://hub.ci.svc:8080']));
    expect(slices.every((c) => c.seed === '42' && c.idPrefix === 'agent-' && c.sourceAddresses === 1)).toBe(true);
    expect(() => checkPlan(plan, 3)).toThrow(expect.objectContaining({ code: 'EC_SHARD_CONFIG' }));
  }, 90_000);

  test('with faults and --token: agents dial the cluster Toxiproxy\'s fixed ports; the config moves to the Secret with the token redacted', () => {
    const run = dryRun(['reset', '--agents', '10', ...K8S, '--toxiproxy', 'http://toxiproxy.ci.svc:8474', '--token', 'agent-token-value', '--dry-run']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('agent-token-value');
    expect(run.objects.map((o) => o.kind)).toEqual(['Secret', 'Job']);
    const secret = byKind(run.objects, 'Secret');
    const plan = checkPlan(JSON.parse(secret.stringData!['shard-config.json']!), 0);
    expect(plan.token).toMatch(/redacted/);
    // reset: a 30% group behind one proxy, the rest behind another; proxies at 20000 and 20001 on the Toxiproxy's host.
    expect(plan.hubUrls).toEqual([{ url: 'http://toxiproxy.ci.svc:20000', count: 3 }, { url: 'http://toxiproxy.ci.svc:20001', count: 7 }]);
  }, 90_000);
});
