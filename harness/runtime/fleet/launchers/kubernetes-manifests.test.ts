import { dumpYaml, loadAllYaml, type V1Job } from '@kubernetes/client-node';
// The generated serializer the client uses for every request body: it keeps the fields it knows and drops the rest.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { describe, expect, test } from 'vitest';
import { loadKubernetesClient } from './kubernetes-client.ts';
import { fleetManifests, ownedByJob, runSelector, type FleetManifestSpec } from './kubernetes-manifests.ts';
import type { ShardPlan } from '../shard/config.ts';
import { SHARD_ENV } from '../shard/wire.ts';
import { shardEnvs } from './launcher.ts';

function plan(overrides: Partial<ShardPlan> = {}): ShardPlan {
  return { planVersion: 1, agents: 10, shards: 3, hubUrls: [{ url: 'http://hub.ci.svc:8080', count: 10 }], idPrefix: 'agent-', seed: '7', backoff: {}, rampMs: 20, sourceAddresses: 1, runStartEpochMs: 1_700_000_000_000, ...overrides };
}

function spec(overrides: Partial<FleetManifestSpec> = {}): FleetManifestSpec {
  return {
    runId: 'abc123',
    namespace: 'ci',
    image: 'registry.example.com/edge-chaos:1.0',
    shards: shardEnvs(plan(), 'http://coordinator.ci.svc:9090', 'run-secret'),
    requests: { cpu: '250m', memory: '256Mi' },
    ...overrides,
  };
}

/** What reaches the API server: the client's serializer output, as JSON. */
function onTheWire(object: object, type: string): unknown {
  return JSON.parse(JSON.stringify(ObjectSerializer.serialize(object, type, '')));
}

describe('fleet manifests (pure)', () => {
  test('an Indexed Job: completions = parallelism = shards, no retries, a TTL, pods that never restart', () => {
    const { job } = fleetManifests(spec({ activeDeadlineSeconds: 900 }));
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.metadata).toMatchObject({ name: 'edge-chaos-shards-abc123', namespace: 'ci' });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0, ttlSecondsAfterFinished: 600, activeDeadlineSeconds: 900 });
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0]).toMatchObject({ image: 'registry.example.com/edge-chaos:1.0', command: ['node', '--import', 'tsx', 'harness/runtime/fleet/shard/main.ts'], resources: { requests: { cpu: '250m', memory: '256Mi' } } });
  });

  test('the four env vars: index from the completion-index annotation, the plan file, collector URL, run token from the Secret', () => {
    const { job, secret, configMap } = fleetManifests(spec());
    const env = job.spec!.template.spec!.containers[0]!.env!;
    expect(env.map((e) => e.name)).toEqual([SHARD_ENV.index, SHARD_ENV.configFile, SHARD_ENV.collectorUrl, SHARD_ENV.runToken]);
    expect(env[0]!.valueFrom?.fieldRef?.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    // One plan for every pod: each takes its slice by its index.
    expect(env[1]!.value).toBe('/etc/edge-chaos/shard-config.json');
    expect(Object.keys(configMap!.data!)).toEqual(['shard-config.json']);
    expect(JSON.parse(configMap!.data!['shard-config.json']!)).toEqual(plan());
    expect(env[2]!.value).toBe('http://coordinator.ci.svc:9090');
    expect(env[3]!.valueFrom?.secretKeyRef).toEqual({ name: secret.metadata!.name, key: 'run-token' });
    expect(secret.stringData).toEqual({ 'run-token': 'run-secret' });
    // The token is not in the Job or the ConfigMap, where anyone who may read those would see it.
    expect(JSON.stringify([job, configMap])).not.toContain('run-secret');
    const volume = job.spec!.template.spec!.volumes![0]!;
    expect(volume.configMap?.name).toBe(configMap!.metadata!.name);
    expect(job.spec!.template.spec!.containers[0]!.volumeMounts).toEqual([{ name: volume.name, mountPath: '/etc/edge-chaos', readOnly: true }]);
  });

  test('every object carries the run id label; the pods too, so one selector finds them all', () => {
    const { job, secret, configMap } = fleetManifests(spec());
    for (const labels of [job.metadata!.labels, secret.metadata!.labels, configMap!.metadata!.labels, job.spec!.template.metadata!.labels]) {
      expect(labels).toMatchObject({ 'edge-chaos/run-id': 'abc123', 'app.kubernetes.io/name': 'edge-chaos' });
    }
    expect(runSelector('abc123')).toBe('edge-chaos/run-id=abc123');
  });

  test('a config with the agents\' bearer token is mounted from the Secret; there is no ConfigMap', () => {
    const { job, secret, configMap } = fleetManifests(spec({ shards: shardEnvs(plan({ token: 'agent-token' }), 'http://c.ci.svc:1', 't') }));
    expect(configMap).toBeUndefined();
    expect(JSON.parse(secret.stringData!['shard-config.json']!).token).toBe('agent-token');
    expect(job.spec!.template.spec!.volumes![0]!.secret?.secretName).toBe(secret.metadata!.name);
    expect(JSON.stringify(job)).not.toContain('agent-token');
  });

  test('refused with EC_BAD_OPTION: per-shard values that a pod template cannot hold, a plan over 1 MiB, a bad run id or index', () => {
    const differing = spec().shards.map((shard, i) => ({ ...shard, env: { ...shard.env, [SHARD_ENV.collectorUrl]: `http://c${i}.ci.svc:1` } }));
    expect(() => fleetManifests(spec({ shards: differing }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION', message: expect.stringContaining(SHARD_ENV.collectorUrl) }));
    const twoPlans = spec().shards.map((shard, i) => ({ ...shard, env: { ...shard.env, [SHARD_ENV.config]: JSON.stringify(plan({ seed: String(i) })) } }));
    expect(() => fleetManifests(spec({ shards: twoPlans }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION', message: expect.stringContaining(SHARD_ENV.config) }));
    const hubUrls = Array.from({ length: 40_000 }, (_, i) => ({ url: `http://toxiproxy.ci.svc:${20_000 + (i % 2)}`, count: 1 }));
    expect(() => fleetManifests(spec({ shards: shardEnvs(plan({ agents: 40_000, hubUrls }), 'http://c.ci.svc:1', 't') }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION', message: expect.stringContaining('1 MiB') }));
    expect(() => fleetManifests(spec({ runId: 'Bad_Id' }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION' }));
    const notJson = spec().shards.map((shard) => ({ ...shard, env: { ...shard.env, [SHARD_ENV.config]: '{' } }));
    expect(() => fleetManifests(spec({ shards: notJson }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION' }));
    const reordered = [...spec().shards].reverse();
    expect(() => fleetManifests(spec({ shards: reordered }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION', message: expect.stringContaining('shard 0 has index 2') }));
  });
});

describe('fleet manifests through the client\'s serializer', () => {
  test('every field survives: serializing drops nothing the function set', () => {
    const { job, secret, configMap } = fleetManifests(spec({ activeDeadlineSeconds: 900 }));
    expect(onTheWire(job, 'V1Job')).toEqual(JSON.parse(JSON.stringify(job)));
    expect(onTheWire(secret, 'V1Secret')).toEqual(JSON.parse(JSON.stringify(secret)));
    expect(onTheWire(configMap!, 'V1ConfigMap')).toEqual(JSON.parse(JSON.stringify(configMap)));
    // And back: YAML out and in, as --dry-run prints and kubectl (or loadAllYaml) reads.
    const [readBack] = loadAllYaml(dumpYaml(job)) as V1Job[];
    expect(onTheWire(readBack!, 'V1Job')).toEqual(JSON.parse(JSON.stringify(job)));
  });

  test('the round trip can fail: a field the API does not know is dropped on the wire', () => {
    const { job } = fleetManifests(spec());
    const misspelt = { ...job, spec: { ...job.spec!, completionsMode: 'Indexed' } };
    expect(onTheWire(misspelt, 'V1Job')).not.toEqual(JSON.parse(JSON.stringify(misspelt)));
  });

  test('ownedByJob adds the Job as owner and keeps the rest', () => {
    const { secret } = fleetManifests(spec());
    const owned = ownedByJob(secret, { name: 'edge-chaos-shards-abc123', uid: 'u-1' });
    expect(owned.metadata!.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'edge-chaos-shards-abc123', uid: 'u-1', blockOwnerDeletion: false }]);
    expect({ ...owned, metadata: { ...owned.metadata, ownerReferences: undefined } }).toEqual({ ...secret, metadata: { ...secret.metadata, ownerReferences: undefined } });
    expect(onTheWire(owned, 'V1Secret')).toEqual(JSON.parse(JSON.stringify(owned)));
  });
});

describe('the client loads on demand', () => {
  test('a missing client is EC_PEER_MISSING with the install command', async () => {
    await expect(loadKubernetesClient('@kubernetes/client-node-not-installed')).rejects.toMatchObject({ code: 'EC_PEER_MISSING', fix: expect.stringContaining('npm install -D @kubernetes/client-node@^1.4') });
  });

  test('the installed one loads', async () => {
    expect(typeof (await loadKubernetesClient()).BatchV1Api).toBe('function');
  });
});
