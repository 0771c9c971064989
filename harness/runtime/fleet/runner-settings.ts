/**
 * The settings the remote fleet runners read (--image, --namespace, ...) and
 * the checks of them against the rest of the run. The runners themselves, and
 * which settings each reads, are entries of FLEET_RUNNERS
 * (harness/runtime/fleet/runners.ts); the CLI checks while parsing (nothing
 * has started) and the runner again with the scenario. Every refusal names the
 * flag and says what to pass.
 */
import { randomBytes } from 'node:crypto';
import { HarnessError } from '../../errors.ts';
import type { HubChoice } from '../hubs/index.ts';
import type { ExposedProxies } from '../proxy.ts';
import { EXPOSED_PROXY_FIRST_PORT } from '../proxy-layout.ts';
import type { ToxiproxyChoice } from '../toxiproxy-servers.ts';

/** Every setting a fleet runner may read; FLEET_RUNNERS says which runner reads which. */
export interface FleetRunnerSettings {
  /** The project image. containers: default built here from this checkout (npm run hub:image); kubernetes: required, as the cluster pulls it. */
  image?: string;
  /** Namespace of the Job, its ConfigMap and Secret. Default 'default'. */
  namespace?: string;
  /** CPU request per shard pod, a Kubernetes quantity. Default '500m'. */
  shardCpu?: string;
  /** Memory request per shard pod, a Kubernetes quantity. Default '512Mi'. */
  shardMemory?: string;
  /** The coordinator's collector as the pods reach it (a Service), e.g. http://edge-chaos.ci.svc:9090; the collector listens on its port. */
  collectorUrl?: string;
}

/** The command-line flag of each setting. */
export const SETTING_FLAGS: { readonly [K in keyof Required<FleetRunnerSettings>]: `--${string}` } = {
  image: '--image',
  namespace: '--namespace',
  shardCpu: '--shard-cpu',
  shardMemory: '--shard-memory',
  collectorUrl: '--collector-url',
};

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_SHARD_CPU = '500m';
export const DEFAULT_SHARD_MEMORY = '512Mi';

/** What a runner's settings are checked against: the rest of the run. */
export interface FleetRunCheck {
  hub?: HubChoice;
  toxiproxy?: ToxiproxyChoice;
  /** The scenario sends the agents through Toxiproxy; undefined before a scenario is loaded (the CLI's first check). */
  scenarioProxied?: { scenario: string };
}

/** 8 hex digits: names a run's containers or Kubernetes objects and labels them. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
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

export function checkContainers(settings: FleetRunnerSettings): void {
  checkImage(settings.image);
}

/**
 * What pods can reach: an image the cluster pulls, a collector URL that is
 * not loopback, a hub and a Toxiproxy in the cluster (or where pods reach them).
 */
export function checkKubernetes(settings: FleetRunnerSettings, run: FleetRunCheck): void {
  if (settings.image === undefined || settings.image === '') throw bad('--fleet-runner kubernetes needs --image: the cluster pulls the shards\' image from a registry', 'build and push the project image (docker build -t REGISTRY/edge-chaos:TAG . && docker push ...), then pass --image REGISTRY/edge-chaos:TAG');
  checkImage(settings.image);
  if (settings.namespace !== undefined && !NAMESPACE.test(settings.namespace)) throw bad(`--namespace ${JSON.stringify(settings.namespace)} is not a Kubernetes namespace name`, 'pass a lowercase name of letters, digits and -, at most 63 characters, e.g. --namespace edge-chaos');
  checkQuantity('--shard-cpu', settings.shardCpu);
  checkQuantity('--shard-memory', settings.shardMemory);
  if (settings.collectorUrl === undefined || settings.collectorUrl === '') throw bad('--fleet-runner kubernetes needs --collector-url: the address the pods send their events to', 'expose the coordinator to the pods (a Service) and pass --collector-url http://SERVICE.NAMESPACE.svc:PORT');
  const collector = httpUrl('--collector-url', settings.collectorUrl, 'pass the coordinator\'s address as the pods reach it, e.g. --collector-url http://edge-chaos.ci.svc:9090');
  if (isLoopbackHost(collector.hostname)) throw bad(`--collector-url ${settings.collectorUrl} is a loopback address, which inside a pod is the pod itself`, 'pass the address of a Service that routes to the coordinator, e.g. --collector-url http://edge-chaos.ci.svc:9090');
  const hub = run.hub;
  if (hub === undefined || hub.kind !== 'external') {
    throw bad(`--fleet-runner kubernetes needs --hub-url: pods cannot reach ${hub === undefined ? 'the reference hub this process would start' : `a hub started on this machine (${hub.kind})`}`, 'run the hub in the cluster (or where pods reach it) and pass --hub-url http://HUB.NAMESPACE.svc:PORT');
  }
  if (isLoopbackHost(new URL(hub.url).hostname)) throw bad(`--hub-url ${hub.url} is a loopback address, which inside a pod is the pod itself`, 'pass the hub\'s address as the pods and the coordinator both reach it, e.g. --hub-url http://hub.ci.svc:8080');
  const toxiproxy = run.toxiproxy;
  // First: with a scenario that needs one, the Toxiproxy may be the default, not one the user chose.
  if (run.scenarioProxied && toxiproxy?.kind !== 'url') {
    throw bad(`scenario ${run.scenarioProxied.scenario} sends the agents through Toxiproxy, and pods cannot reach one on this machine`, 'run Toxiproxy in the cluster (docs/distributed.md) and pass --toxiproxy http://TOXIPROXY.NAMESPACE.svc:8474');
  }
  if (toxiproxy !== undefined && toxiproxy.kind !== 'url') {
    throw bad(`--toxiproxy ${toxiproxy.kind} runs on this machine, which pods cannot reach`, 'run Toxiproxy in the cluster (see docs/distributed.md) and pass --toxiproxy http://TOXIPROXY.NAMESPACE.svc:8474');
  }
  if (toxiproxy?.kind === 'url' && isLoopbackHost(new URL(toxiproxy.url).hostname)) {
    throw bad(`--toxiproxy ${toxiproxy.url} is a loopback address; the pods dial its proxies at that host`, 'pass the Toxiproxy Service address the coordinator and the pods both reach, e.g. --toxiproxy http://toxiproxy.ci.svc:8474');
  }
}

/**
 * Where the fault proxies listen so pods reach them: the Toxiproxy's own host
 * (its Service) on fixed ports, 20000 upwards (proxy-layout.ts). Only a
 * kubernetes fleet behind a Toxiproxy URL needs it; anything else keeps the
 * default (127.0.0.1, a free port).
 */
export function exposedProxies(kind: string | undefined, toxiproxy: ToxiproxyChoice | undefined): ExposedProxies | undefined {
  if (kind !== 'kubernetes' || toxiproxy?.kind !== 'url') return undefined;
  return { host: '0.0.0.0', firstPort: EXPOSED_PROXY_FIRST_PORT, agentHost: new URL(toxiproxy.url).hostname };
}
