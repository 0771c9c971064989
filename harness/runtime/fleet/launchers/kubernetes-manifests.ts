/**
 * The Kubernetes objects of a fleet run, as one pure function: an Indexed Job
 * (pod i runs shard i, JOB_COMPLETION_INDEX=i), the ConfigMap the fleet's
 * shard plan is mounted from (one document every pod slices by its index),
 * and the Secret holding the run token. The kubernetes
 * launcher applies exactly these; `--dry-run` prints them.
 *
 * Typed with @kubernetes/client-node's API types (types only: nothing here
 * loads the client), so a misspelt field fails the typecheck, and the
 * client's serializer round trip (kubernetes-manifests.test.ts) proves every
 * field reaches the API server.
 */
import type { V1ConfigMap, V1EnvVar, V1Job, V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { SHARD_ENV } from '../shard/wire.ts';
import { HarnessError } from '../../../errors.ts';
import { SHARD_IMAGE_COMMAND, type ShardEnv } from './launcher.ts';

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
  /** One env per shard, as the network fleet builds them for any launcher (launcher.ts shardEnvs). */
  shards: readonly ShardEnv[];
  /** Resource requests of each shard pod (Kubernetes quantities). */
  requests: { cpu: string; memory: string };
  /** Hard cap on the Job's run time, s: a Job whose coordinator vanished cannot run for ever. Default: none. */
  activeDeadlineSeconds?: number;
  /** Default DEFAULT_TTL_SECONDS_AFTER_FINISHED. */
  ttlSecondsAfterFinished?: number;
  /** Default SHARD_IMAGE_COMMAND. */
  command?: readonly string[];
  /**
   * Mount the plan from the Secret instead of a ConfigMap. Default: when the
   * plan carries a credential (the agents' bearer token, `token`).
   */
  configIsSecret?: boolean;
}

export interface FleetManifests {
  /** Absent when the plan lives in the Secret. */
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
  const values = new Set(shards.map((shard) => shard.env[name]));
  if (values.size > 1) throw bad(`the shards' ${name} differ, but every pod of one Job gets the same environment`, 'build the shard envs with shardEnvs(plan, collectorUrl, token): one plan, one collector, one token for every shard');
  return shards[0]?.env[name];
}

/** The plan as the pod reads it; re-indented so `--dry-run` output can be read and reviewed. */
function planText(text: string | undefined): string {
  if (text === undefined) throw bad(`the shards have no ${SHARD_ENV.config}`, `pass the fleet's plan as JSON in ${SHARD_ENV.config}`);
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch (error) {
    throw bad(`the shards' ${SHARD_ENV.config} is not JSON: ${(error as Error).message}`, 'pass the shard plan as JSON text');
  }
}

/** The Secret, the ConfigMap (when the plan carries no credential) and the Job that runs one pod per shard env. */
export function fleetManifests(spec: FleetManifestSpec): FleetManifests {
  const { runId, namespace, shards } = spec;
  if (!/^[a-z0-9]{1,16}$/.test(runId)) throw bad(`run id ${JSON.stringify(runId)} must be 1 to 16 lowercase letters or digits`, 'let the runner choose it');
  if (shards.length < 1) throw bad('a fleet Job needs at least one shard', 'pass --fleet-shards 1 or more');
  const name = fleetObjectName(runId);
  const labels = runLabels(runId);
  const metadata = (): V1ObjectMeta => ({ name, namespace, labels: { ...labels } });

  const plan = planText(shared(shards, SHARD_ENV.config));
  const configIsSecret = spec.configIsSecret ?? (JSON.parse(plan) as { token?: unknown }).token !== undefined;
  const configData = { [CONFIG_KEY]: plan };
  const bytes = Buffer.byteLength(plan);
  if (bytes > MAX_CONFIG_BYTES) {
    throw bad(`the shard plan is ${bytes.toLocaleString('en')} bytes, more than a Kubernetes object holds (1 MiB)`, 'run fewer fault groups per run: the plan lists one URL run per proxy');
  }
  const collectorUrl = shared(shards, SHARD_ENV.collectorUrl);
  const runToken = shared(shards, SHARD_ENV.runToken);
  if (collectorUrl === undefined || runToken === undefined) throw bad(`every shard needs ${SHARD_ENV.collectorUrl} and ${SHARD_ENV.runToken}`, 'build the shard envs with the collector\'s URL and the run token');
  for (const [i, shard] of shards.entries()) {
    if (shard.index !== i || (shard.env[SHARD_ENV.index] ?? String(i)) !== String(i)) throw bad(`shard ${i} has index ${shard.index} (${SHARD_ENV.index}=${shard.env[SHARD_ENV.index]})`, 'leave the index to Kubernetes: pod i of the Indexed Job gets i');
  }

  const env: V1EnvVar[] = [
    // Kubernetes also injects it in Indexed Jobs (1.28+); stated here so every version with Indexed Jobs has it.
    { name: SHARD_ENV.index, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } },
    { name: SHARD_ENV.configFile, value: `${CONFIG_MOUNT_DIR}/${CONFIG_KEY}` },
    { name: SHARD_ENV.collectorUrl, value: collectorUrl },
    { name: SHARD_ENV.runToken, valueFrom: { secretKeyRef: { name, key: TOKEN_KEY } } },
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
              command: [...(spec.command ?? SHARD_IMAGE_COMMAND)],
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
