import { checkCommandDelivery } from './command-delivery.ts';
import { checkConnectTime } from './connect-time.ts';
import { checkConnectionDurations } from './connection-durations.ts';
import { checkConnectionLoop } from './connection-loop.ts';
import { checkDeadDetection } from './dead-detection.ts';
import { checkEventLoopLag } from './event-loop-lag.ts';
import { checkFaultEffect } from './fault-effect.ts';
import { checkHubHandlersPerConnection, checkHubReplaced } from './hub-metrics.ts';
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
 */
export const CHECKERS = {
  connectionLoop: checkConnectionLoop,
  reconnects: checkReconnects,
  connectionDurations: checkConnectionDurations,
  connectTime: checkConnectTime,
  commandDelivery: checkCommandDelivery,
  faultEffect: checkFaultEffect,
  recovery: checkRecovery,
  deadDetection: checkDeadDetection,
  reconnectStorm: checkReconnectStorm,
  reconnectSpread: checkReconnectSpread,
  pollingFallback: checkPollingFallback,
  eventLoopLag: checkEventLoopLag,
  hubReplaced: checkHubReplaced,
  hubHandlersPerConnection: checkHubHandlersPerConnection,
  /** Also switches on resource sampling in the runner. */
  resourceGrowth: checkResourceGrowth,
} as const;

export type CheckName = keyof typeof CHECKERS;
type OptionsOf<C> = C extends Checker<infer Options, unknown> ? Options : never;
/** The evidence a check's result carries, e.g. `EvidenceOf<'resourceGrowth'>`. */
export type EvidenceOf<Name extends CheckName> = (typeof CHECKERS)[Name] extends Checker<never, infer Evidence> ? Evidence : never;

/** Which checks a scenario runs, with their options; a check left out is not run. */
export type ChecksConfig = { [Name in CheckName]?: OptionsOf<(typeof CHECKERS)[Name]> };

/** Every check's config name, in report order. */
export const CHECK_NAMES = Object.keys(CHECKERS) as CheckName[];

/** Runs the configured checks in the registry's order, so reports read the same every run. */
export function evaluateChecks(input: CheckInput, config: ChecksConfig): CheckResult[] {
  const results: CheckResult[] = [];
  for (const name of CHECK_NAMES) {
    const options = config[name];
    if (options === undefined) continue;
    results.push((CHECKERS[name] as Checker<typeof options>)(input, options));
  }
  return results;
}
