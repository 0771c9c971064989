import { dumpYaml, loadAllYaml, type V1Job } from '@kubernetes/client-node';
// The generated serializer the client uses for every request body: it keeps the fields it knows and drops the rest.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { describe, expect, test } from 'vitest';
import { loadKubernetesClient } from './kubernetes-client.ts';
import { fleetManifests, ownedByJob, runSelector, type FleetManifestSpec } from './kubernetes-manifests.ts';
import { ENV_COLLECTOR_URL, ENV_RUN_TOKEN, ENV_SHARD_CONFIG, ENV_SHARD_INDEX, shardEnvs } from './launcher.ts';

const config = (firstIndex: number) => JSON.stringify({ firstIndex, hubUrls: ['http://hub.ci.svc:8080'], seed: '7' });

function spec(overrides: Partial<FleetManifestSpec> = {}): FleetManifestSpec {
  return {
    runId: 'abc123',
    namespace: 'ci',
    image: 'registry.example.com/edge-chaos:1.0',
    shards: shardEnvs({ configs: [config(0), config(1), config(2)], shards: 3, collectorUrl: 'http://coordinator.ci.svc:9090', runToken: 'run-secret' }),
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
    expect(pod.containers[0]).toMatchObject({ image: 'registry.example.com/edge-chaos:1.0', command: ['node', '--import', 'tsx', 'agent/shard/main.ts'], resources: { requests: { cpu: '250m', memory: '256Mi' } } });
  });

  test('the four env vars: index from the completion-index annotation, config file, collector URL, run token from the Secret', () => {
    const { job, secret, configMap } = fleetManifests(spec());
    const env = job.spec!.template.spec!.containers[0]!.env!;
    expect(env.map((e) => e.name)).toEqual([ENV_SHARD_INDEX, 'EDGE_CHAOS_SHARD_CONFIG_FILE', ENV_COLLECTOR_URL, ENV_RUN_TOKEN]);
    expect(env[0]!.valueFrom?.fieldRef?.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    // Three different configs: one key per index, chosen in the pod by $(JOB_COMPLETION_INDEX) (defined before it).
    expect(env[1]!.value).toBe('/etc/edge-chaos/shard-$(JOB_COMPLETION_INDEX).json');
    expect(Object.keys(configMap!.data!)).toEqual(['shard-0.json', 'shard-1.json', 'shard-2.json']);
    expect(JSON.parse(configMap!.data!['shard-2.json']!)).toEqual(JSON.parse(config(2)));
    expect(env[2]!.value).toBe('http://coordinator.ci.svc:9090');
    expect(env[3]!.valueFrom?.secretKeyRef).toEqual({ name: secret.metadata!.name, key: 'run-token' });
    expect(secret.stringData).toEqual({ 'run-token': 'run-secret' });
    // The token is not in the Job or the ConfigMap, where anyone who may read those would see it.
    expect(JSON.stringify([job, configMap])).not.toContain('run-secret');
    const volume = job.spec!.template.spec!.volumes![0]!;
    expect(volume.configMap?.name).toBe(configMap!.metadata!.name);
    expect(job.spec!.template.spec!.containers[0]!.volumeMounts).toEqual([{ name: volume.name, mountPath: '/etc/edge-chaos', readOnly: true }]);
  });

  test('one config for every shard: one key, one path; other env passes through to every pod', () => {
    const shards = shardEnvs({ configs: [config(0)], shards: 4, collectorUrl: 'http://c.ci.svc:1', runToken: 't', extra: { NODE_OPTIONS: '--max-old-space-size=512' } });
    const { job, configMap } = fleetManifests(spec({ shards }));
    expect(Object.keys(configMap!.data!)).toEqual(['shard-config.json']);
    const env = job.spec!.template.spec!.containers[0]!.env!;
    expect(env.find((e) => e.name === 'EDGE_CHAOS_SHARD_CONFIG_FILE')!.value).toBe('/etc/edge-chaos/shard-config.json');
    expect(env.find((e) => e.name === 'NODE_OPTIONS')!.value).toBe('--max-old-space-size=512');
    expect(job.spec!.completions).toBe(4);
  });

  test('every object carries the run id label; the pods too, so one selector finds them all', () => {
    const { job, secret, configMap } = fleetManifests(spec());
    for (const labels of [job.metadata!.labels, secret.metadata!.labels, configMap!.metadata!.labels, job.spec!.template.metadata!.labels]) {
      expect(labels).toMatchObject({ 'edge-chaos/run-id': 'abc123', 'app.kubernetes.io/name': 'edge-chaos' });
    }
    expect(runSelector('abc123')).toBe('edge-chaos/run-id=abc123');
  });

  test('a config with the agents\' bearer token is mounted from the Secret; there is no ConfigMap', () => {
    const withToken = JSON.stringify({ firstIndex: 0, hubUrls: [], token: 'agent-token' });
    const { job, secret, configMap } = fleetManifests(spec({ shards: shardEnvs({ configs: [withToken], shards: 2, collectorUrl: 'http://c.ci.svc:1', runToken: 't' }) }));
    expect(configMap).toBeUndefined();
    expect(JSON.parse(secret.stringData!['shard-config.json']!).token).toBe('agent-token');
    expect(job.spec!.template.spec!.volumes![0]!.secret?.secretName).toBe(secret.metadata!.name);
    expect(JSON.stringify(job)).not.toContain('agent-token');
  });

  test('refused with EC_BAD_OPTION: per-shard values that a pod template cannot hold, a config over 1 MiB, a bad run id', () => {
    const envs = spec().shards.map((env, i) => ({ ...env, [ENV_COLLECTOR_URL]: `http://c${i}.ci.svc:1` }));
    expect(() => fleetManifests(spec({ shards: envs }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION', message: expect.stringContaining(ENV_COLLECTOR_URL) }));
    const huge = JSON.stringify({ hubUrls: Array.from({ length: 40_000 }, (_, i) => `http://toxiproxy.ci.svc:${20_000 + (i % 10)}`) });
    expect(() => fleetManifests(spec({ shards: shardEnvs({ configs: [huge], shards: 1, collectorUrl: 'http://c.ci.svc:1', runToken: 't' }) }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION', message: expect.stringContaining('1 MiB') }));
    expect(() => fleetManifests(spec({ runId: 'Bad_Id' }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION' }));
    const notJson = [{ ...spec().shards[0]!, [ENV_SHARD_CONFIG]: '{' }];
    expect(() => fleetManifests(spec({ shards: notJson }))).toThrow(expect.objectContaining({ code: 'EC_BAD_OPTION' }));
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
  test('a missing client is EC_KUBE_CLIENT_MISSING with the install command', async () => {
    await expect(loadKubernetesClient('@kubernetes/client-node-not-installed')).rejects.toMatchObject({ code: 'EC_KUBE_CLIENT_MISSING', fix: expect.stringContaining('npm install -D @kubernetes/client-node@^1.4') });
  });

  test('the installed one loads', async () => {
    expect(typeof (await loadKubernetesClient()).BatchV1Api).toBe('function');
  });
});
