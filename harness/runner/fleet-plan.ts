/**
 * A remote fleet worked out before anything starts: each shard's config (the
 * agents it runs and the URL each dials) and, for kubernetes, the manifests.
 * `--dry-run` prints this; a run builds the same configs with the real
 * proxies' URLs, which for pods are the same fixed ports (proxy-layout.ts).
 */
import type { ShardConfig } from '../../agent/shard/config.ts';
import { HarnessError } from '../errors.ts';
import { DEFAULT_NAMESPACE, DEFAULT_SHARD_CPU, DEFAULT_SHARD_MEMORY, remoteShards, type FleetRunnerChoice } from '../runtime/fleet-runners/choice.ts';
import { exposedProxies } from '../runtime/fleet-runners/index.ts';
import { shardEnvs, shardSlices } from '../runtime/fleet-runners/launcher.ts';
import { fleetManifests, type FleetManifests } from '../runtime/fleet-runners/kubernetes-manifests.ts';
import { proxyIndexFor, proxyLayout } from '../runtime/proxy-layout.ts';
import type { ScenarioDefinition } from '../scenario/define.ts';
import { fleetDeadlineSeconds, fleetSettings } from './fleet-config.ts';
import { assignGroups } from './groups.ts';
import type { RunOptions } from './options.ts';
import type { ResolvedParams } from './params.ts';

/** Each shard's ShardConfig as JSON: agents [firstIndex, firstIndex + count), with the URL each dials. */
export function shardConfigs(parts: {
  settings: Omit<ShardConfig, 'firstIndex' | 'hubUrls' | 'runStartEpochMs'>;
  agents: number;
  shards: number;
  hubUrlFor: (index: number) => string;
  runStartEpochMs: number;
}): string[] {
  return shardSlices(parts.agents, parts.shards).map(({ firstIndex, count }) => {
    const config: ShardConfig = {
      ...parts.settings,
      firstIndex,
      hubUrls: Array.from({ length: count }, (_, i) => parts.hubUrlFor(firstIndex + i)),
      runStartEpochMs: parts.runStartEpochMs,
    };
    return JSON.stringify(config);
  });
}

/**
 * The URL agent `index` dials in a kubernetes run, known before any proxy
 * exists: the hub (--hub-url), or its group's proxy on the Toxiproxy's host
 * at that proxy's fixed port.
 */
export function plannedAgentUrl(scenario: ScenarioDefinition, params: ResolvedParams): (index: number) => string {
  const exposed = exposedProxies(params.fleetRunner, params.toxiproxy);
  // validateFleetRunner refused any other hub already.
  if (params.hub.kind !== 'external') throw new HarnessError('EC_BAD_OPTION', 'a kubernetes fleet needs --hub-url', 'pass --hub-url http://HUB.NAMESPACE.svc:PORT');
  const hubUrl = params.hub.url;
  if (!params.toxiproxy || !exposed) return () => hubUrl;
  const groups = assignGroups(scenario.groups ?? [], params.agents);
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

/** The manifests a kubernetes run of this scenario would apply (validated params in, nothing started). */
export function kubernetesPlan(scenario: ScenarioDefinition, params: ResolvedParams, options: Pick<RunOptions, 'token'>, run: { runId: string; runToken: string; runStartEpochMs: number }): KubernetesPlan {
  const choice = params.fleetRunner as Extract<FleetRunnerChoice, { kind: 'kubernetes' }>;
  const shards = remoteShards(choice, params.agents);
  const configs = shardConfigs({ settings: fleetSettings(scenario, params, options), agents: params.agents, shards, hubUrlFor: plannedAgentUrl(scenario, params), runStartEpochMs: run.runStartEpochMs });
  const namespace = choice.namespace ?? DEFAULT_NAMESPACE;
  const manifests = fleetManifests({
    runId: run.runId,
    namespace,
    image: choice.image,
    shards: shardEnvs({ configs, shards: configs.length, collectorUrl: choice.collectorUrl, runToken: run.runToken }),
    requests: { cpu: choice.shardCpu ?? DEFAULT_SHARD_CPU, memory: choice.shardMemory ?? DEFAULT_SHARD_MEMORY },
    activeDeadlineSeconds: fleetDeadlineSeconds(scenario, params),
  });
  return { runId: run.runId, shards: configs.length, manifests, namespace };
}
