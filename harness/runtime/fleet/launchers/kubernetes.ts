/**
 * The kubernetes fleet runner's launcher: applies the run's Secret, ConfigMap
 * and Indexed Job (kubernetes-manifests.ts) through the API from the default
 * kubeconfig (KUBECONFIG, ~/.kube/config, or the pod's service account), waits
 * until every shard pod runs, watches them (a pod that ends mid-run is a lost
 * shard, named), and deletes the Job on stop: every pod gets SIGTERM, flushes
 * its last batch and exits, then the ConfigMap and Secret go.
 *
 * NOT RUN AGAINST A REAL CLUSTER: no cluster was reachable where this was
 * written. The manifests are checked against the client's serializer and the
 * pod-status reading against hand-written pods; the API calls follow
 * @kubernetes/client-node 1.4's typed signatures. docs/distributed.md says so.
 */
import { sleep } from '../../../../common/sleep.ts';
import type { ShardPlan } from '../shard/config.ts';
import { HarnessError } from '../../../errors.ts';
import { kubeErrorText, loadKubernetesClient, type KubernetesClient } from './kubernetes-client.ts';
import { fleetManifests, fleetObjectName, ownedByJob, runSelector, SHARD_TERMINATION_GRACE_SECONDS, type FleetManifestSpec } from './kubernetes-manifests.ts';
import { shardPod, type ShardPod } from './kubernetes-pods.ts';
import type { LaunchContext, LaunchedShards, LaunchHooks, ShardLauncher } from './launcher.ts';
import { DEFAULT_NAMESPACE, DEFAULT_SHARD_CPU, DEFAULT_SHARD_MEMORY, type FleetRunnerSettings } from '../runner-settings.ts';

/** How often the pods are listed, ms. A list per interval is cheaper for the API server than a watch per run, and a lost shard is reported within it. */
const POLL_INTERVAL_MS = 2_000;
/** Image pulls on a cold node take minutes. Default for startTimeoutMs. */
const DEFAULT_START_TIMEOUT_MS = 300_000;

export interface KubernetesLauncherOptions extends Omit<FleetManifestSpec, 'shards'> {
  /** The coordinator's collector as the pods reach it (--collector-url): the shards dial it, and the collector listens on its port on every interface. */
  collectorUrl: string;
  /** How long start() waits for every shard pod to run, ms. Default 300_000. */
  startTimeoutMs?: number;
  /** Progress lines (created, waiting for pods, deleting). Default: silent. */
  log?: (line: string) => void;
  /** For tests of the missing-client error. Default '@kubernetes/client-node'. */
  clientSpecifier?: string;
}

/** The launcher's options from --fleet-runner kubernetes's settings (checked by checkKubernetes), defaults filled in: a run and --dry-run both use them. */
export function kubernetesLauncherOptions(settings: FleetRunnerSettings, run: LaunchContext): KubernetesLauncherOptions {
  if (settings.image === undefined || settings.collectorUrl === undefined) throw new HarnessError('EC_BAD_OPTION', 'the kubernetes fleet runner needs an image and a collector URL', 'pass --image and --collector-url');
  return {
    runId: run.runId,
    namespace: settings.namespace ?? DEFAULT_NAMESPACE,
    image: settings.image,
    collectorUrl: settings.collectorUrl,
    requests: { cpu: settings.shardCpu ?? DEFAULT_SHARD_CPU, memory: settings.shardMemory ?? DEFAULT_SHARD_MEMORY },
    activeDeadlineSeconds: run.deadlineSeconds,
    log: run.log,
  };
}

export function kubernetesLauncher(opts: KubernetesLauncherOptions): ShardLauncher {
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const collector = new URL(opts.collectorUrl);
  return {
    name: 'kubernetes',
    // Pods reach the coordinator through a Service that forwards the URL's port to this machine.
    collectorHost: '0.0.0.0',
    collectorPort: Number(collector.port || (collector.protocol === 'https:' ? 443 : 80)),
    collectorUrl: () => opts.collectorUrl,
    // The agents' URLs are --hub-url or the exposed proxies (proxy-layout.ts), reachable from pods; extra
    // source addresses are 127.0.0.x aliases, which a pod dialling another host cannot bind.
    adaptPlan: (plan: ShardPlan) => ({ ...plan, sourceAddresses: 1 }),
    // start() itself waits until every pod runs; after that, node loading the sources is all that is left.
    startTimeoutMs: 120_000,
    async start(shards, hooks): Promise<LaunchedShards> {
      // Built (and so checked) before the client loads or anything is created.
      const manifests = fleetManifests({ ...opts, shards });
      const k8s = await loadKubernetesClient(opts.clientSpecifier);
      const api = connect(k8s, opts.namespace);
      const run = new KubernetesShards(api, opts, shards.length, hooks, opts.log ?? (() => {}));
      try {
        await run.create(manifests);
        await run.waitRunning(startTimeoutMs, hooks.signal);
      } catch (error) {
        await run.stop().catch(() => undefined);
        throw error;
      }
      return run;
    },
  };
}

type Api = ReturnType<typeof connect>;
type IndexedPod = ShardPod & { index: number };

function connect(k8s: KubernetesClient, namespace: string) {
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (error) {
    throw new HarnessError('EC_KUBE_API', `cannot read the kubeconfig: ${(error as Error).message}`, 'point KUBECONFIG at a valid kubeconfig (kubectl config view should work), or run inside the cluster with a service account');
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new HarnessError('EC_KUBE_API', 'no Kubernetes cluster is configured (no current context in KUBECONFIG or ~/.kube/config, and not in a pod)', 'set KUBECONFIG or run kubectl config use-context CONTEXT; --dry-run prints the manifests without a cluster');
  return { batch: kc.makeApiClient(k8s.BatchV1Api), core: kc.makeApiClient(k8s.CoreV1Api), server: cluster.server, namespace };
}

/** A failed API call as a coded error naming what was being done. */
async function call<T>(what: string, namespace: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new HarnessError('EC_KUBE_API', `${what} in namespace ${namespace} failed: ${kubeErrorText(error)}`, `check access with kubectl auth can-i create jobs,configmaps,secrets,pods -n ${namespace}, and that the namespace exists`, { cause: error });
  }
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: number })?.code === 404;
}

class KubernetesShards implements LaunchedShards {
  /** Each shard's pod name by index (the Job's name and index until its pod exists). */
  readonly #names: string[];
  readonly exited: Promise<void>;
  readonly #api: Api;
  readonly #name: string;
  readonly #selector: string;
  readonly #hooks: LaunchHooks;
  readonly #log: (line: string) => void;
  /** Shards whose pod ended, by index: how. */
  readonly #exits = new Map<number, string>();
  readonly #seen = new Set<number>();
  #created: { configMap: boolean; secret: boolean; job: boolean } = { configMap: false, secret: false, job: false };
  #pollTimer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #resolveExited!: () => void;

  constructor(api: Api, opts: KubernetesLauncherOptions, shards: number, hooks: LaunchHooks, log: (line: string) => void) {
    this.#api = api;
    this.#name = fleetObjectName(opts.runId);
    this.#selector = runSelector(opts.runId);
    this.#hooks = hooks;
    this.#log = log;
    // Pod names get a random suffix; until a pod exists, its shard is known by the Job's name and index.
    this.#names = Array.from({ length: shards }, (_, i) => `${this.#name}-${i}`);
    this.exited = new Promise((resolve) => (this.#resolveExited = resolve));
  }

  async create(manifests: ReturnType<typeof fleetManifests>): Promise<void> {
    const { batch, core, namespace } = this.#api;
    // Secret and ConfigMap first, so no pod ever waits on a missing one.
    const secret = await call(`creating Secret ${this.#name}`, namespace, () => core.createNamespacedSecret({ namespace, body: manifests.secret }));
    this.#created.secret = true;
    const configMap = manifests.configMap ? await call(`creating ConfigMap ${this.#name}`, namespace, () => core.createNamespacedConfigMap({ namespace, body: manifests.configMap! })) : undefined;
    this.#created.configMap = configMap !== undefined;
    const job = await call(`creating Job ${this.#name}`, namespace, () => batch.createNamespacedJob({ namespace, body: manifests.job }));
    this.#created.job = true;
    this.#log(`created Job ${namespace}/${this.#name} (${this.#names.length} shard pods) on ${this.#api.server}`);
    // Owned by the Job, so Kubernetes removes them with it (its TTL too) if this process dies before its cleanup.
    const owner = { name: this.#name, uid: job.metadata?.uid ?? '' };
    if (owner.uid !== '') {
      await call(`setting the owner of Secret ${this.#name}`, namespace, () => core.replaceNamespacedSecret({ name: this.#name, namespace, body: ownedByJob(secret, owner) }));
      if (configMap) await call(`setting the owner of ConfigMap ${this.#name}`, namespace, () => core.replaceNamespacedConfigMap({ name: this.#name, namespace, body: ownedByJob(configMap, owner) }));
    }
  }

  /** The run's pods that belong to its Job (those with a completion index). */
  async #pods(): Promise<IndexedPod[]> {
    const { core, namespace } = this.#api;
    const list = await call(`listing the pods of Job ${this.#name}`, namespace, () => core.listNamespacedPod({ namespace, labelSelector: this.#selector }));
    return list.items.map(shardPod).filter((p): p is IndexedPod => p.index !== undefined);
  }

  /** Resolves when every index has a running pod; rejects naming the pods that cannot start. */
  async waitRunning(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw new HarnessError('EC_FLEET_SHARD', 'the run was stopped while the shard pods were starting', 'nothing to do: the Job was deleted');
      const pods = await this.#pods();
      const stuck = pods.filter((p) => p.state.kind === 'stuck');
      if (stuck.length > 0) {
        throw new HarnessError('EC_FLEET_SHARD', `shard pod ${stuck.map((p) => `${p.name}: ${(p.state as { why: string }).why}`).join('; ')}`, 'check the --image reference and that the cluster can pull it (kubectl describe pod NAME)');
      }
      const running = new Set(pods.filter((p) => p.state.kind === 'running').map((p) => p.index));
      for (const pod of pods) this.#observe(pod);
      if (running.size + this.#exits.size >= this.#names.length) break;
      if (Date.now() >= deadline) {
        const waiting = this.#names.map((_, i) => i).filter((i) => !running.has(i) && !this.#exits.has(i));
        const why = waiting.map((i) => {
          const pod = pods.find((p) => p.index === i);
          return pod ? `${pod.name}${pod.state.kind === 'pending' && pod.state.why ? ` (${pod.state.why})` : ''}` : `${this.#names[i]} (no pod yet)`;
        });
        throw new HarnessError('EC_FLEET_SHARD', `${waiting.length} of ${this.#names.length} shard pods did not start within ${Math.round(timeoutMs / 1000)} s: ${why.slice(0, 5).join(', ')}${why.length > 5 ? ', ...' : ''}`, 'kubectl describe pod NAME says why (resources, image pull); lower --shard-cpu / --shard-memory or add nodes');
      }
      await sleep(POLL_INTERVAL_MS, signal);
    }
    this.#schedulePoll();
  }

  /** Records a pod's end once per index; a pod seen before and now ended or gone mid-run is a lost shard. */
  #observe(pod: IndexedPod): void {
    const { index } = pod;
    if (index >= this.#names.length || this.#exits.has(index)) return;
    this.#seen.add(index);
    this.#names[index] = pod.name;
    if (pod.state.kind === 'ended') this.#ended(index, `pod ${pod.name} ${pod.state.how}`);
  }

  /** A shard's pod ended: reported to the run unless the run is stopping it. */
  #ended(index: number, how: string): void {
    this.#exits.set(index, how);
    if (this.#stopping === undefined) this.#hooks.onExit(index, how);
    if (this.#exits.size === this.#names.length) this.#resolveExited();
  }

  #schedulePoll(): void {
    if (this.#stopping) return;
    this.#pollTimer = setTimeout(() => {
      this.#polling = this.#poll().finally(() => this.#schedulePoll());
    }, POLL_INTERVAL_MS);
    this.#pollTimer.unref();
  }

  async #poll(): Promise<void> {
    let pods: IndexedPod[];
    try {
      pods = await this.#pods();
    } catch (error) {
      // The API server being briefly unreachable loses no shard; the next poll tells.
      this.#log(`listing shard pods failed (retrying): ${(error as Error).message}`);
      return;
    }
    if (this.#stopping) return;
    const present = new Set<number>();
    for (const pod of pods) {
      present.add(pod.index);
      this.#observe(pod);
    }
    for (const index of this.#seen) {
      if (!present.has(index) && !this.#exits.has(index)) this.#ended(index, `pod ${this.#names[index]} deleted (evicted, preempted or removed by someone else)`);
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#pollTimer);
    await this.#polling;
    const { batch, core, namespace } = this.#api;
    const quiet = async (what: string, work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        if (!isNotFound(error)) this.#log(`${what} failed: ${kubeErrorText(error)} (ttlSecondsAfterFinished or kubectl delete job ${this.#name} -n ${namespace} removes it)`);
      }
    };
    if (this.#created.job) {
      this.#log(`deleting Job ${namespace}/${this.#name}: its pods get SIGTERM and ${SHARD_TERMINATION_GRACE_SECONDS} s to send their last events`);
      // Background: the call returns at once and the pods terminate gracefully; we wait for them below.
      await quiet('deleting the Job', () => batch.deleteNamespacedJob({ name: this.#name, namespace, propagationPolicy: 'Background' }));
      const deadline = Date.now() + (SHARD_TERMINATION_GRACE_SECONDS + 30) * 1000;
      for (;;) {
        const left = await core.listNamespacedPod({ namespace, labelSelector: this.#selector }).then((l) => l.items.length, () => 0);
        if (left === 0 || Date.now() >= deadline) break;
        await sleep(POLL_INTERVAL_MS);
      }
    }
    if (this.#created.configMap) await quiet('deleting the ConfigMap', () => core.deleteNamespacedConfigMap({ name: this.#name, namespace }));
    if (this.#created.secret) await quiet('deleting the Secret', () => core.deleteNamespacedSecret({ name: this.#name, namespace }));
    for (let i = 0; i < this.#names.length; i++) if (!this.#exits.has(i)) this.#ended(i, 'stopped by the run');
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
