/**
 * The Kubernetes objects of a fleet run, as one pure function: an Indexed Job
 * (pod i runs shard i, JOB_COMPLETION_INDEX=i), the ConfigMap its shard config
 * is mounted from, and the Secret holding the run token. The kubernetes
 * launcher applies exactly these; `--dry-run` prints them.
 *
 * Typed with @kubernetes/client-node's API types (types only: nothing here
 * loads the client), so a misspelt field fails the typecheck, and the
 * client's serializer round trip (kubernetes-manifests.test.ts) proves every
 * field reaches the API server.
 */
import type { V1ConfigMap, V1EnvVar, V1Job, V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { HarnessError } from '../../errors.ts';
import { ENV_COLLECTOR_URL, ENV_RUN_TOKEN, ENV_SHARD_CONFIG, ENV_SHARD_CONFIG_FILE, ENV_SHARD_INDEX, SHARD_COMMAND, type ShardEnv } from './launcher.ts';

export const LABEL_RUN_ID = 'edge-chaos/run-id';
/** Kubernetes writes each pod's index here (every version with Indexed Jobs; also a label since 1.28). */
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** Where the pod finds its shard config. */
export const CONFIG_MOUNT_DIR = '/etc/edge-chaos';
const CONFIG_KEY = 'shard-config.json';
const TOKEN_KEY = 'run-token';
/** The image's user (Dockerfile and npm run hub:image): numeric, so runAsNonRoot can be verified. */
const IMAGE_UID = 1000;
/** A Kubernetes object is at most 1 MiB; leave room for metadata. */
const MAX_CONFIG_BYTES = 1_000_000;
/** A finished Job (and its pods) is deleted this long after it ends, even if the coordinator died. Default. */
export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 600;
/** SIGTERM to SIGKILL: a shard stops its agents and sends its last batch within this. */
export const SHARD_TERMINATION_GRACE_SECONDS = 30;

export interface FleetManifestSpec {
  /** Lowercase letters and digits, at most 16: names every object and labels it (edge-chaos/run-id). */
  runId: string;
  namespace: string;
  /** The project image, as the cluster pulls it. */
  image: string;
  /** One env per shard, as the fleet runtime builds them for any launcher (launcher.ts). */
  shards: readonly ShardEnv[];
  /** Resource requests of each shard pod (Kubernetes quantities). */
  requests: { cpu: string; memory: string };
  /** Hard cap on the Job's run time, s: a Job whose coordinator vanished cannot run for ever. Default: none. */
  activeDeadlineSeconds?: number;
  /** Default DEFAULT_TTL_SECONDS_AFTER_FINISHED. */
  ttlSecondsAfterFinished?: number;
  /** Default SHARD_COMMAND. */
  command?: readonly string[];
  /**
   * Mount the config from the Secret instead of a ConfigMap. Default: when a
   * config carries a credential (the agents' bearer token, `token`).
   */
  configIsSecret?: boolean;
}

export interface FleetManifests {
  /** Absent when the config lives in the Secret. */
  configMap?: V1ConfigMap;
  secret: V1Secret;
  job: V1Job;
}

/** The names every object of a run shares. */
export function fleetObjectName(runId: string): string {
  return `edge-chaos-shards-${runId}`;
}

export function runLabels(runId: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'edge-chaos',
    'app.kubernetes.io/component': 'fleet-shard',
    'app.kubernetes.io/managed-by': 'edge-chaos',
    [LABEL_RUN_ID]: runId,
  };
}

/** `edge-chaos/run-id=<id>`: selects every object and pod of a run. */
export function runSelector(runId: string): string {
  return `${LABEL_RUN_ID}=${runId}`;
}

function bad(message: string, fix: string): HarnessError {
  return new HarnessError('EC_BAD_OPTION', message, fix);
}

/** One value every shard shares: a pod template cannot vary per pod except by its index. */
function shared(shards: readonly ShardEnv[], name: string): string | undefined {
  const values = new Set(shards.map((env) => env[name]));
  if (values.size > 1) throw bad(`the shards' ${name} differ, but every pod of one Job gets the same environment`, 'give every shard the same value; only the shard config may differ per shard (it is mounted per index)');
  return shards[0]?.[name];
}

/** The shard config as the pod reads it; re-indented so `--dry-run` output can be read and reviewed. */
function configText(env: ShardEnv, index: number): string {
  const text = env[ENV_SHARD_CONFIG];
  if (text === undefined) throw bad(`shard ${index} has no ${ENV_SHARD_CONFIG}`, `pass each shard's config as JSON in ${ENV_SHARD_CONFIG} (read a ${ENV_SHARD_CONFIG_FILE} before building the manifests)`);
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch (error) {
    throw bad(`shard ${index}'s ${ENV_SHARD_CONFIG} is not JSON: ${(error as Error).message}`, 'pass the shard config as JSON text');
  }
}

/**
 * The ConfigMap (or Secret) data, the Job and the env that points each pod at
 * its config. Identical configs share one key (the shards slice it by index);
 * differing ones get a key per index, chosen in the pod by $(JOB_COMPLETION_INDEX).
 */
export function fleetManifests(spec: FleetManifestSpec): FleetManifests {
  const { runId, namespace, shards } = spec;
  if (!/^[a-z0-9]{1,16}$/.test(runId)) throw bad(`run id ${JSON.stringify(runId)} must be 1 to 16 lowercase letters or digits`, 'let the runner choose it');
  if (shards.length < 1) throw bad('a fleet Job needs at least one shard', 'pass --shards 1 or more');
  const name = fleetObjectName(runId);
  const labels = runLabels(runId);
  const metadata = (): V1ObjectMeta => ({ name, namespace, labels: { ...labels } });

  const configs = shards.map((env, i) => configText(env, i));
  const configIsSecret = spec.configIsSecret ?? configs.some((c) => (JSON.parse(c) as { token?: unknown }).token !== undefined);
  const oneConfig = configs.every((c) => c === configs[0]);
  const configData: Record<string, string> = oneConfig ? { [CONFIG_KEY]: configs[0]! } : Object.fromEntries(configs.map((c, i) => [`shard-${i}.json`, c]));
  const bytes = Object.values(configData).reduce((sum, c) => sum + Buffer.byteLength(c), 0);
  if (bytes > MAX_CONFIG_BYTES) {
    throw bad(`the shard config is ${bytes.toLocaleString('en')} bytes, more than a Kubernetes object holds (1 MiB)`, 'run fewer agents per run, or a shard config that states the per-agent hub URLs as a rule instead of a list');
  }
  const collectorUrl = shared(shards, ENV_COLLECTOR_URL);
  const runToken = shared(shards, ENV_RUN_TOKEN);
  if (collectorUrl === undefined || runToken === undefined) throw bad(`every shard needs ${ENV_COLLECTOR_URL} and ${ENV_RUN_TOKEN}`, 'build the shard envs with the collector\'s URL and the run token');
  const ours = new Set([ENV_SHARD_CONFIG, ENV_SHARD_CONFIG_FILE, ENV_SHARD_INDEX, ENV_COLLECTOR_URL, ENV_RUN_TOKEN]);
  const extraNames = [...new Set(shards.flatMap((env) => Object.keys(env)))].filter((n) => !ours.has(n)).sort();
  for (const [i, env] of shards.entries()) {
    if (env[ENV_SHARD_INDEX] !== undefined && env[ENV_SHARD_INDEX] !== String(i)) throw bad(`shard ${i} has ${ENV_SHARD_INDEX}=${env[ENV_SHARD_INDEX]}`, 'leave the index to Kubernetes: pod i of the Indexed Job gets i');
  }

  const env: V1EnvVar[] = [
    // Kubernetes also injects it in Indexed Jobs; stated here so $(JOB_COMPLETION_INDEX) below can use it on any version.
    { name: ENV_SHARD_INDEX, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } },
    { name: ENV_SHARD_CONFIG_FILE, value: `${CONFIG_MOUNT_DIR}/${oneConfig ? CONFIG_KEY : `shard-$(${ENV_SHARD_INDEX}).json`}` },
    { name: ENV_COLLECTOR_URL, value: collectorUrl },
    { name: ENV_RUN_TOKEN, valueFrom: { secretKeyRef: { name, key: TOKEN_KEY } } },
    ...extraNames.map((n) => ({ name: n, value: shared(shards, n) ?? '' })),
  ];

  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(),
    type: 'Opaque',
    stringData: { [TOKEN_KEY]: runToken, ...(configIsSecret ? configData : {}) },
  };
  const configMap: V1ConfigMap | undefined = configIsSecret ? undefined : { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(), data: configData };

  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(),
    spec: {
      completionMode: 'Indexed',
      completions: shards.length,
      parallelism: shards.length,
      // A failed shard already makes the run invalid (shards-alive): never retry one, whose agents
      // would reconnect mid-run as if they were new. Kubernetes then ends the other pods too.
      backoffLimit: 0,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED,
      ...(spec.activeDeadlineSeconds === undefined ? {} : { activeDeadlineSeconds: spec.activeDeadlineSeconds }),
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: SHARD_TERMINATION_GRACE_SECONDS,
          // Shards talk to the hub and the collector only: no API token, no service env vars.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: IMAGE_UID, runAsGroup: IMAGE_UID, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'shard',
              image: spec.image,
              imagePullPolicy: 'IfNotPresent',
              command: [...(spec.command ?? SHARD_COMMAND)],
              env,
              resources: { requests: { cpu: spec.requests.cpu, memory: spec.requests.memory } },
              volumeMounts: [{ name: 'shard-config', mountPath: CONFIG_MOUNT_DIR, readOnly: true }],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes: [configIsSecret ? { name: 'shard-config', secret: { secretName: name } } : { name: 'shard-config', configMap: { name } }],
        },
      },
    },
  };
  return { ...(configMap ? { configMap } : {}), secret, job };
}

/**
 * The same object owned by the run's Job, so Kubernetes deletes it with the
 * Job (on delete, and when ttlSecondsAfterFinished expires) even if the
 * coordinator died before its own cleanup.
 */
export function ownedByJob<T extends { metadata?: V1ObjectMeta }>(object: T, job: { name: string; uid: string }): T {
  return {
    ...object,
    metadata: { ...object.metadata, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.name, uid: job.uid, blockOwnerDeletion: false }] },
  };
}
