import type { SharedShardConfig } from './shard/config.ts';
import { DEFAULT_PROTOCOL } from '../../../protocol/registry.ts';
import { defaultShards } from './create.ts';
import { fleetRunner } from './runners.ts';
import type { ScenarioDefinition } from '../../scenario/define.ts';
import type { RunOptions } from '../../runner/options.ts';
import type { ResolvedParams } from '../../runner/params.ts';

/** The settle phase's default bound, ms (run.ts waits at most this for the fleet to come back). */
const DEFAULT_SETTLE_MS = 10_000;
/** Room in a remote fleet's hard deadline for pods to be scheduled and pull the image, and for teardown, s. */
const DEADLINE_MARGIN_S = 600;

/** How long the fleet takes to start every agent, ms: the scenario's, else 2 ms per agent up to 5 s. */
/** How long the fleet's start is spread over, ms: the scenario's ramp, else 2 ms per agent up to 5 s. */
export function rampMs(scenario: ScenarioDefinition, params: Pick<ResolvedParams, 'agents'>): number {
  return scenario.defaults.rampMs ?? Math.min(5_000, params.agents * 2);
}

/**
 * What every shard of the fleet shares, from the scenario and the resolved
 * run: the one place a local run, a containers or kubernetes run and
 * `--dry-run` read it, so a printed shard config is the one a run would use.
 */
export function fleetSettings(scenario: ScenarioDefinition, params: ResolvedParams, options: Pick<RunOptions, 'token'>): Omit<SharedShardConfig, 'runStartEpochMs'> {
  return {
    idPrefix: params.agentIdPrefix,
    token: options.token,
    ...(params.protocolSource === DEFAULT_PROTOCOL ? {} : { protocol: params.protocolSource }),
    rampMs: rampMs(scenario, params),
    seed: params.seed,
    pingIntervalMs: params.pingIntervalMs,
    pollIntervalMs: scenario.agent?.pollIntervalMs,
    backoff: params.backoff,
    // Past a few thousand connections from one address, ephemeral ports to one proxy or hub port run short.
    sourceAddresses: params.agents > 5_000 ? Math.ceil(params.agents / 5_000) + 1 : 1,
  };
}

/**
 * A hard bound on a remote fleet's life, s (the Job's activeDeadlineSeconds):
 * ramp, steady phase and settle, plus room for start-up and teardown. A fleet
 * whose coordinator died cannot keep dialling the hub past it.
 */
export function fleetDeadlineSeconds(scenario: ScenarioDefinition, params: ResolvedParams): number {
  const runMs = rampMs(scenario, params) + params.durationMs + (scenario.settleMs ?? DEFAULT_SETTLE_MS);
  return Math.ceil(runMs / 1000) + DEADLINE_MARGIN_S;
}

/**
 * Shards the fleet is split into: --fleet-shards, else the default (no shards
 * up to 2,000 agents, then one per 5,000); a runner with a launcher runs at
 * least one.
 */
export function fleetShardCount(params: Pick<ResolvedParams, 'agents' | 'fleetShards' | 'fleetRunner'>): number {
  const runner = params.fleetRunner;
  const network = 'start' in runner || fleetRunner(runner.kind).launcher !== undefined;
  return params.fleetShards ?? (network ? Math.max(1, defaultShards(params.agents)) : defaultShards(params.agents));
}
