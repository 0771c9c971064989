/**
 * A kubernetes fleet worked out before anything starts: the shard plan (the
 * agents and the URL each dials) and the manifests a run would apply.
 * `--dry-run` prints this; a run builds the same plan with the real proxies'
 * URLs, which for pods are the same fixed ports (proxy-layout.ts).
 */
import { HarnessError } from '../../../errors.ts';
import type { HubChoice } from '../../hubs/index.ts';
import { proxyIndexFor, proxyLayout } from '../../proxy-layout.ts';
import type { ToxiproxyChoice } from '../../toxiproxy-servers.ts';
import { fleetDeadlineSeconds, fleetSettings, fleetShardCount, type FleetParams, type FleetScenario } from '../config.ts';
import type { FleetRunnerChoice } from '../runners.ts';
import { exposedProxies } from '../runner-settings.ts';
import { kubernetesLauncher, kubernetesLauncherOptions } from './kubernetes.ts';
import { fleetManifests, type FleetManifests } from './kubernetes-manifests.ts';
import { shardEnvs, shardPlan } from './launcher.ts';

/** What the plan reads of the run's resolved parameters (the runner's ResolvedParams): the fleet's, and where the hub and the proxies are. */
export interface KubernetesPlanParams extends FleetParams {
  hub: HubChoice;
  toxiproxy?: ToxiproxyChoice;
}

/** A group of agents behind its own proxies, agents [startIndex, endIndex) (the runner's assignGroups makes them). */
export interface AgentGroup {
  name: string;
  startIndex: number;
  endIndex: number;
}

/**
 * The URL agent `index` dials in a kubernetes run, known before any proxy
 * exists: the hub (--hub-url), or its group's proxy on the Toxiproxy's host
 * at that proxy's fixed port.
 */
export function plannedAgentUrl(groups: readonly AgentGroup[], params: Pick<KubernetesPlanParams, 'hub' | 'toxiproxy'>): (index: number) => string {
  const exposed = exposedProxies('kubernetes', params.toxiproxy);
  // validateFleetRunner refused any other hub already.
  if (params.hub.kind !== 'external') throw new HarnessError('EC_BAD_OPTION', 'a kubernetes fleet needs --hub-url', 'pass --hub-url http://HUB.NAMESPACE.svc:PORT');
  const hubUrl = params.hub.url;
  if (!params.toxiproxy || !exposed) return () => hubUrl;
  const layout = proxyLayout(groups.map((g) => ({ name: g.name, agents: g.endIndex - g.startIndex })));
  return (index) => {
    const group = groups.find((g) => index < g.endIndex)!;
    const slots = layout.get(group.name)!;
    const slot = slots[proxyIndexFor(group.endIndex - group.startIndex, slots.length, index - group.startIndex)]!;
    return `http://${exposed.agentHost}:${exposed.firstPort + slot.seq}`;
  };
}

export interface KubernetesPlan {
  runId: string;
  shards: number;
  manifests: FleetManifests;
  namespace: string;
}

/**
 * The manifests a kubernetes run of this scenario would apply (validated params and the fleet's groups in,
 * nothing started): the launcher's own options, plan and envs.
 */
export function kubernetesPlan(scenario: FleetScenario, params: KubernetesPlanParams, groups: readonly AgentGroup[], options: { token?: string }, run: { runId: string; runToken: string; runStartEpochMs: number }): KubernetesPlan {
  const choice = params.fleetRunner as Extract<FleetRunnerChoice, { kind: 'kubernetes' }>;
  const opts = kubernetesLauncherOptions(choice, { runId: run.runId, deadlineSeconds: fleetDeadlineSeconds(scenario, params) });
  const launcher = kubernetesLauncher(opts);
  const shards = fleetShardCount(params);
  const planned = shardPlan({ ...fleetSettings(scenario, params, options), agents: params.agents, hubUrlFor: plannedAgentUrl(groups, params), runStartEpochMs: run.runStartEpochMs }, shards);
  const plan = launcher.adaptPlan?.(planned) ?? planned;
  const manifests = fleetManifests({ ...opts, shards: shardEnvs(plan, opts.collectorUrl, run.runToken) });
  return { runId: run.runId, shards, manifests, namespace: opts.namespace };
}
