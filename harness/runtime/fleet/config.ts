/**
 * A run's fleet, worked out from the scenario and the resolved run options:
 * what every shard shares, how many shards, how long a remote fleet may live.
 * The inputs are the fields read, not the runner's own types, so the runtime
 * imports nothing from the runner (a ScenarioDefinition and the runner's
 * ResolvedParams fit as they are).
 */
import type { BackoffOptions } from '../../../agent/backoff.ts';
import { DEFAULT_PROTOCOL } from '../../../protocol/registry.ts';
import { defaultShards } from './create.ts';
import type { ShardLauncher } from './launchers/launcher.ts';
import { fleetRunner, type FleetRunnerChoice } from './runners.ts';
import type { SharedShardConfig } from './shard/config.ts';

/** What the fleet reads of a scenario (ScenarioDefinition). */
export interface FleetScenario {
  defaults: { rampMs?: number };
  agent?: { pollIntervalMs?: number };
  settleMs?: number;
}

/** What the fleet reads of a run's resolved parameters (the runner's ResolvedParams). */
export interface FleetParams {
  agents: number;
  durationMs: number;
  seed: string;
  agentIdPrefix: string;
  /** A built-in protocol's name or a profile file's path, as every process of the run finds it. */
  protocolSource: string;
  pingIntervalMs: number;
  backoff: BackoffOptions;
  fleetShards?: number;
  fleetRunner: FleetRunnerChoice | ShardLauncher;
}

/** The settle phase's default bound, ms (run.ts waits at most this for the fleet to come back). */
const DEFAULT_SETTLE_MS = 10_000;
/** Room in a remote fleet's hard deadline for pods to be scheduled and pull the image, and for teardown, s. */
const DEADLINE_MARGIN_S = 600;

/** How long the fleet takes to start every agent, ms: the scenario's, else 2 ms per agent up to 5 s. */
/** How long the fleet's start is spread over, ms: the scenario's ramp, else 2 ms per agent up to 5 s. */
export function rampMs(scenario: Pick<FleetScenario, 'defaults'>, params: Pick<FleetParams, 'agents'>): number {
  return scenario.defaults.rampMs ?? Math.min(5_000, params.agents * 2);
}

/**
 * What every shard of the fleet shares, from the scenario and the resolved
 * run: the one place a local run, a containers or kubernetes run and
 * `--dry-run` read it, so a printed shard config is the one a run would use.
 */
export function fleetSettings(scenario: FleetScenario, params: FleetParams, options: { token?: string }): Omit<SharedShardConfig, 'runStartEpochMs'> {
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
export function fleetDeadlineSeconds(scenario: FleetScenario, params: FleetParams): number {
  const runMs = rampMs(scenario, params) + params.durationMs + (scenario.settleMs ?? DEFAULT_SETTLE_MS);
  return Math.ceil(runMs / 1000) + DEADLINE_MARGIN_S;
}

/**
 * Shards the fleet is split into: --fleet-shards, else the default (no shards
 * up to 2,000 agents, then one per 5,000); a runner with a launcher runs at
 * least one.
 */
export function fleetShardCount(params: Pick<FleetParams, 'agents' | 'fleetShards' | 'fleetRunner'>): number {
  const runner = params.fleetRunner;
  const network = 'start' in runner || fleetRunner(runner.kind).launcher !== undefined;
  return params.fleetShards ?? (network ? Math.max(1, defaultShards(params.agents)) : defaultShards(params.agents));
}
