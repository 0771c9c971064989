import { checkCommandDelivery } from './command-delivery.ts';
import { checkConnectTime } from './connect-time.ts';
import { checkConnectionDurations } from './connection-durations.ts';
import { checkConnectionLoop } from './connection-loop.ts';
import { checkDeadDetection } from './dead-detection.ts';
import { checkEventLoopLag } from './event-loop-lag.ts';
import { checkFaultEffect } from './fault-effect.ts';
import { checkHubHandlersPerConnection, checkHubReplaced } from './hub-metrics.ts';
import { checkLiveness } from './liveness.ts';
import { checkPollingFallback } from './polling-fallback.ts';
import { checkReconnectSpread } from './reconnect-spread.ts';
import { checkReconnectStorm } from './reconnect-storm.ts';
import { checkReconnects } from './reconnects.ts';
import { checkRecovery } from './recovery.ts';
import { checkResourceGrowth } from './resource-growth.ts';
import type { CheckInput, CheckResult, Checker } from './types.ts';

export type { CheckInput, CheckResult, Checker } from './types.ts';

/**
 * Every check, in the order reports list them (Jepsen's checker/compose). The
 * key is the scenario's config name; the checker's options type is that
 * config's type and its evidence type is what the result carries. Adding a
 * check is one entry here and its own file.
 *
 * `hub` checks judge the hub: one failed means exit 1. `validity` checks
 * judge whether this run could judge at all (the harness kept up, the faults
 * applied, the history is complete): one failed makes the run invalid, exit 2.
 */
export const CHECKERS = {
  connectionLoop: hub(checkConnectionLoop),
  reconnects: hub(checkReconnects),
  connectionDurations: hub(checkConnectionDurations),
  connectTime: hub(checkConnectTime),
  commandDelivery: hub(checkCommandDelivery),
  recovery: hub(checkRecovery),
  deadDetection: hub(checkDeadDetection),
  liveness: hub(checkLiveness),
  reconnectStorm: hub(checkReconnectStorm),
  reconnectSpread: hub(checkReconnectSpread),
  pollingFallback: hub(checkPollingFallback),
  hubReplaced: hub(checkHubReplaced),
  hubHandlersPerConnection: hub(checkHubHandlersPerConnection),
  /** Also switches on resource sampling in the runner. */
  resourceGrowth: hub(checkResourceGrowth),
  faultEffect: validity(checkFaultEffect),
  eventLoopLag: validity(checkEventLoopLag),
} as const;

export type CheckKind = 'hub' | 'validity';

interface Entry<Options, Evidence> {
  readonly kind: CheckKind;
  readonly check: Checker<Options, Evidence>;
}

function hub<Options, Evidence>(check: Checker<Options, Evidence>): Entry<Options, Evidence> {
  return { kind: 'hub', check };
}

function validity<Options, Evidence>(check: Checker<Options, Evidence>): Entry<Options, Evidence> {
  return { kind: 'validity', check };
}

export type CheckName = keyof typeof CHECKERS;
type OptionsOf<E> = E extends Entry<infer Options, unknown> ? Options : never;
/** The evidence a check's result carries, e.g. `EvidenceOf<'resourceGrowth'>`. */
export type EvidenceOf<Name extends CheckName> = (typeof CHECKERS)[Name] extends Entry<never, infer Evidence> ? Evidence : never;

/** Which checks a scenario runs, with their options; a check left out is not run. */
export type ChecksConfig = { [Name in CheckName]?: OptionsOf<(typeof CHECKERS)[Name]> };

/** Every check's config name, in report order. */
export const CHECK_NAMES = Object.keys(CHECKERS) as CheckName[];

/** Runs the configured checks in the registry's order, so reports read the same every run; each result says its kind. */
export function evaluateChecks(input: CheckInput, config: ChecksConfig): CheckResult[] {
  const results: CheckResult[] = [];
  for (const name of CHECK_NAMES) {
    const options = config[name];
    if (options === undefined) continue;
    const entry = CHECKERS[name] as Entry<typeof options, unknown>;
    results.push({ ...entry.check(input, options), kind: entry.kind });
  }
  return results;
}
