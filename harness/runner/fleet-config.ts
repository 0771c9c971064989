import type { ShardConfig } from '../../agent/shard/config.ts';
import type { ScenarioDefinition } from '../scenario/define.ts';
import type { RunOptions } from './options.ts';
import type { ResolvedParams } from './params.ts';

/** The settle phase's default bound, ms (run.ts waits at most this for the fleet to come back). */
const DEFAULT_SETTLE_MS = 10_000;
/** Room in a remote fleet's hard deadline for pods to be scheduled and pull the image, and for teardown, s. */
const DEADLINE_MARGIN_S = 600;

/**
 * What every shard of the fleet shares, from the scenario and the resolved
 * run: the one place a local run, a containers or kubernetes run and
 * `--dry-run` read it, so a printed shard config is the one a run would use.
 */
export function fleetSettings(scenario: ScenarioDefinition, params: ResolvedParams, options: Pick<RunOptions, 'token'>): Omit<ShardConfig, 'firstIndex' | 'hubUrls' | 'runStartEpochMs'> {
  return {
    idPrefix: params.agentIdPrefix,
    token: options.token,
    rampMs: scenario.defaults.rampMs ?? Math.min(5_000, params.agents * 2),
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
  const runMs = (scenario.defaults.rampMs ?? Math.min(5_000, params.agents * 2)) + params.durationMs + (scenario.settleMs ?? DEFAULT_SETTLE_MS);
  return Math.ceil(runMs / 1000) + DEADLINE_MARGIN_S;
}
