/**
 * Where the fleet's shards run, and the one check of that choice: the CLI
 * calls it while parsing (nothing has started) and the runner again for
 * library callers. Every refusal names the flag and says what to pass.
 */
import { HarnessError } from '../../errors.ts';
import { AGENTS_PER_SHARD } from '../fleet.ts';
import type { HubChoice } from '../hubs/index.ts';
import type { ToxiproxyChoice } from '../toxiproxy-servers.ts';

export type FleetRunnerKind = 'local' | 'containers' | 'kubernetes';
export const FLEET_RUNNER_KINDS: readonly FleetRunnerKind[] = ['local', 'containers', 'kubernetes'];

export type FleetRunnerChoice =
  /** Today's shard processes on this machine (--fleet-shards), or the agents in this process. */
  | { kind: 'local' }
  | {
      kind: 'containers';
      /** The project image. Default: built here from this checkout (npm run hub:image). */
      image?: string;
      /** Shard containers. Default: one per 5,000 agents, at least 1. */
      shards?: number;
    }
  | {
      kind: 'kubernetes';
      /** Namespace of the Job, its ConfigMap and Secret. Default 'default'. */
      namespace?: string;
      /** The project image, pullable by the cluster (e.g. registry.example/edge-chaos:1.0). */
      image: string;
      /** Pods (completions = parallelism). Default: one per 5,000 agents, at least 1. */
      shards?: number;
      /** CPU request per shard pod, a Kubernetes quantity. Default '500m'. */
      shardCpu?: string;
      /** Memory request per shard pod, a Kubernetes quantity. Default '512Mi'. */
      shardMemory?: string;
      /** The coordinator's collector as the pods reach it (through a Service), e.g. http://edge-chaos.ci.svc:9090. */
      collectorUrl: string;
    };

/** Containers on one engine: past this, start-up alone swamps the machine (as local shard processes). */
export const MAX_CONTAINER_SHARDS = 64;
/** Pods of one Indexed Job this runner creates; far above any fleet the checks were sized for (64,000 agents). */
export const MAX_KUBERNETES_SHARDS = 1_000;
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_SHARD_CPU = '500m';
export const DEFAULT_SHARD_MEMORY = '512Mi';

/** Shards when none were asked for: one per 5,000 agents, at least one, never more than agents. */
export function defaultRemoteShards(agents: number): number {
  return Math.max(1, Math.ceil(agents / AGENTS_PER_SHARD));
}

/** The shard count a remote runner uses for this fleet. */
export function remoteShards(choice: Exclude<FleetRunnerChoice, { kind: 'local' }>, agents: number): number {
  return Math.min(agents, choice.shards ?? defaultRemoteShards(agents));
}

function bad(message: string, fix: string): HarnessError {
  return new HarnessError('EC_BAD_OPTION', message, fix);
}

/** RFC 1123 label: what Kubernetes accepts as a namespace name. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Kubernetes quantity: 500m, 0.5, 2, 512Mi, 1G, 1e3. */
const QUANTITY = /^(?:\d+(?:\.\d*)?|\.\d+)(?:m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;
/** Docker's reference grammar, loosely: lowercase path, optional :tag and @digest; no spaces or schemes. */
const IMAGE = /^[a-z0-9]+(?:[._/-][a-z0-9]+|:[0-9]+\/[a-z0-9]+)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

/** Hosts a pod cannot reach the coordinator's machine at. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '::1' || h === '0.0.0.0' || h === '::';
}

function checkShards(flag: string, shards: number | undefined, max: number): void {
  if (shards === undefined) return;
  if (!Number.isInteger(shards) || shards < 1 || shards > max) throw bad(`${flag} ${shards} must be a whole number from 1 to ${max}`, `pass e.g. ${flag} 4 (default: one shard per ${AGENTS_PER_SHARD.toLocaleString('en')} agents)`);
}

function checkQuantity(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  if (!QUANTITY.test(value) || !(Number.parseFloat(value.replace(/^\./, '0.')) > 0)) {
    throw bad(`${flag} ${JSON.stringify(value)} is not a positive Kubernetes quantity`, `pass e.g. ${flag === '--shard-cpu' ? '--shard-cpu 500m (half a core) or --shard-cpu 2' : '--shard-memory 512Mi or --shard-memory 2Gi'}`);
  }
}

function checkImage(value: string | undefined): void {
  if (value === undefined) return;
  if (!IMAGE.test(value)) throw bad(`--image ${JSON.stringify(value)} is not an image reference`, 'pass e.g. --image registry.example.com/edge-chaos:1.0 (lowercase, no scheme, no spaces)');
}

function httpUrl(flag: string, value: string, fix: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  if (!url || !['http:', 'https:'].includes(url.protocol)) throw bad(`${flag} ${JSON.stringify(value)} is not an http(s) URL`, fix);
  return url;
}

/**
 * Checks a fleet runner choice against the rest of the run: what pods can
 * reach, which hub and Toxiproxy a remote fleet can use. Throws
 * EC_BAD_OPTION naming the flag; returns nothing.
 */
export function validateFleetRunner(choice: FleetRunnerChoice, run: { hub?: HubChoice; toxiproxy?: ToxiproxyChoice; fleetShards?: number }): void {
  if (choice.kind === 'local') return;
  if (run.fleetShards !== undefined) throw bad(`--fleet-shards counts local shard processes; with --fleet-runner ${choice.kind} the shards are ${choice.kind === 'containers' ? 'containers' : 'pods'}`, `pass --shards ${run.fleetShards} instead`);
  if (choice.kind === 'containers') {
    checkShards('--shards', choice.shards, MAX_CONTAINER_SHARDS);
    checkImage(choice.image);
    return;
  }
  if (choice.image === undefined || choice.image === '') throw bad('--fleet-runner kubernetes needs --image: the cluster pulls the shards\' image from a registry', 'build and push the project image (docker build -t REGISTRY/edge-chaos:TAG . && docker push ...), then pass --image REGISTRY/edge-chaos:TAG');
  checkImage(choice.image);
  checkShards('--shards', choice.shards, MAX_KUBERNETES_SHARDS);
  if (choice.namespace !== undefined && !NAMESPACE.test(choice.namespace)) throw bad(`--namespace ${JSON.stringify(choice.namespace)} is not a Kubernetes namespace name`, 'pass a lowercase name of letters, digits and -, at most 63 characters, e.g. --namespace edge-chaos');
  checkQuantity('--shard-cpu', choice.shardCpu);
  checkQuantity('--shard-memory', choice.shardMemory);
  if (choice.collectorUrl === undefined || choice.collectorUrl === '') throw bad('--fleet-runner kubernetes needs --collector-url: the address the pods send their events to', 'expose the coordinator to the pods (a Service) and pass --collector-url http://SERVICE.NAMESPACE.svc:PORT');
  const collector = httpUrl('--collector-url', choice.collectorUrl, 'pass the coordinator\'s address as the pods reach it, e.g. --collector-url http://edge-chaos.ci.svc:9090');
  if (isLoopbackHost(collector.hostname)) throw bad(`--collector-url ${choice.collectorUrl} is a loopback address, which inside a pod is the pod itself`, 'pass the address of a Service that routes to the coordinator, e.g. --collector-url http://edge-chaos.ci.svc:9090');
  const hub = run.hub;
  if (hub === undefined || hub.kind !== 'external') {
    throw bad(`--fleet-runner kubernetes needs --hub-url: pods cannot reach ${hub === undefined ? 'the reference hub this process would start' : `a hub started on this machine (${hub.kind})`}`, 'run the hub in the cluster (or where pods reach it) and pass --hub-url http://HUB.NAMESPACE.svc:PORT');
  }
  if (isLoopbackHost(new URL(hub.url).hostname)) throw bad(`--hub-url ${hub.url} is a loopback address, which inside a pod is the pod itself`, 'pass the hub\'s address as the pods and the coordinator both reach it, e.g. --hub-url http://hub.ci.svc:8080');
  const toxiproxy = run.toxiproxy;
  if (toxiproxy !== undefined && toxiproxy.kind !== 'url') {
    throw bad(`--toxiproxy ${toxiproxy.kind} runs on this machine, which pods cannot reach`, 'run Toxiproxy in the cluster (see docs/distributed.md) and pass --toxiproxy http://TOXIPROXY.NAMESPACE.svc:8474');
  }
  if (toxiproxy?.kind === 'url' && isLoopbackHost(new URL(toxiproxy.url).hostname)) {
    throw bad(`--toxiproxy ${toxiproxy.url} is a loopback address; the pods dial its proxies at that host`, 'pass the Toxiproxy Service address the coordinator and the pods both reach, e.g. --toxiproxy http://toxiproxy.ci.svc:8474');
  }
}
