import { checkCommandDelivery } from './command-delivery.ts';
import { checkConnectTime } from './connect-time.ts';
import { checkConnectionDurations } from './connection-durations.ts';
import { checkConnectionLoop } from './connection-loop.ts';
import { checkDeadDetection } from './dead-detection.ts';
import { checkEventLoopLag } from './event-loop-lag.ts';
import { checkFaultEffect } from './fault-effect.ts';
import { checkHubHealth } from './hub-health.ts';
import { checkHubHandlersPerConnection, checkHubReplaced } from './hub-metrics.ts';
import { checkLiveness } from './liveness.ts';
import { judgeMachineHeadroom } from './machine-headroom.ts';
import { checkPollingFallback } from './polling-fallback.ts';
import { checkReconnectSpread } from './reconnect-spread.ts';
import { checkReconnectStorm } from './reconnect-storm.ts';
import { checkReconnects } from './reconnects.ts';
import { checkRecovery } from './recovery.ts';
import { checkResourceGrowth } from './resource-growth.ts';
import { checkWireFit } from './wire-fit.ts';
import { checkFaultsApplied, checkHistoryComplete, checkShardsAlive } from './run-validity.ts';
import type { HistoryEvent } from '../history/events.ts';
import type { CheckInput, CheckResult, Checker } from './types.ts';

export type { CheckInput, CheckOutcome, CheckResult, Checker, TimeWindow } from './types.ts';

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
  hubHealth: hub('hub-health', checkHubHealth, { minFailedProbes: true, graceMs: true }, { waitsForWholeFleet: true }),
  connectionLoop: hub('connection-loop', checkConnectionLoop, { minCycles: true, maxConnectionMs: true, faultGraceMs: true, regularShare: true, regularSlackMs: true }),
  reconnects: hub('reconnects', checkReconnects, { maxPerAgent: true }),
  connectionDurations: hub('connection-durations', checkConnectionDurations, { minP50Ms: true }),
  connectTime: hub('connect-time', checkConnectTime, { percent: true, withinMs: true }),
  commandDelivery: hub('command-delivery', checkCommandDelivery, { maxP50LatencyMs: true, minP50LatencyDuringFaultsMs: true, ackReceivedAfterMs: true }),
  recovery: hub('recovery', checkRecovery, { percent: true, withinMs: true, earlier: true }, { waitsForWholeFleet: true }),
  deadDetection: hub('dead-detection', checkDeadDetection, { withinMs: true }),
  liveness: hub('liveness', checkLiveness, { pingIntervalMs: true, maxGapIntervals: true }),
  reconnectStorm: hub('reconnect-storm', checkReconnectStorm, { minBackoffMs: true, windowMs: true }, { reads: ['ws.connecting'] }),
  reconnectSpread: hub('reconnect-spread', checkReconnectSpread, { windowMs: true, sliceMs: true, horizonMs: true }, { reads: ['ws.connecting'] }),
  pollingFallback: hub('polling-fallback', checkPollingFallback, {}, { reads: ['poll'] }),
  hubReplaced: hub('hub-connections-replaced', checkHubReplaced, { maxReplaced: true }),
  hubHandlersPerConnection: hub('hub-handlers-per-connection', checkHubHandlersPerConnection, {}),
  /** Its sampleIntervalMs also sets how often the runner samples resources (it samples in every run). */
  resourceGrowth: hub('resource-growth', checkResourceGrowth, {
    sampleIntervalMs: true,
    warmupFraction: true,
    maxRssGrowthBytesPerMin: true,
    maxHeapGrowthBytesPerMin: true,
    maxExternalGrowthBytesPerMin: true,
    maxHandleGrowthPerMin: true,
    minR2: true,
    minSamples: true,
  }),
  faultEffect: validity('fault-effect', checkFaultEffect, { graceMs: true }, { reads: ['poll', 'ws.failed'] }),
  /** On in every run (the runner always samples its own event loop); scenarios that drive big fleets set a tighter bound. */
  eventLoopLag: validity('event-loop-lag', checkEventLoopLag, { maxMs: true, component: true, afterMs: true, toleratedShare: true }, { always: true }),
  faultsApplied: validity('faults-applied', checkFaultsApplied, {}, { always: true }),
  shardsAlive: validity('shards-alive', checkShardsAlive, {}, { always: true }),
  /** A protocol that misreads the hub (a frame no rule knows, every upgrade refused) cannot judge it. */
  wireFit: validity('wire-fit', checkWireFit, {}, { always: true }),
} as const;

export type CheckKind = 'hub' | 'validity';

interface Traits {
  /**
   * Judges the fleet's end state (everyone back, the hub answering), so the settle phase waits for
   * every agent to be connected before the checks run. Off for the rest: a looping fleet never settles.
   */
  waitsForWholeFleet?: boolean;
  /** Event kinds the check reads that the history drops past its cap (history.ts ALWAYS_KEPT lists the rest). */
  reads?: readonly HistoryEvent['type'][];
  /** Runs in every run, with {} as options, whether the scenario names it or not. */
  always?: boolean;
}

interface Entry<Options, Evidence> extends Traits {
  /** The check's name in every report ('connection-loop'); evaluateChecks stamps it on the result. */
  readonly id: string;
  readonly kind: CheckKind;
  readonly check: Checker<Options, Evidence>;
  /** The names its options may have, so a scenario's misspelt one is refused rather than ignored. */
  readonly optionNames: readonly string[];
}

/** Every option name of a check, each `true`: the type refuses a name the options lack and misses none they have. */
type OptionNames<Options> = { readonly [Name in keyof Required<Options>]: true };

function hub<Options, Evidence>(id: string, check: Checker<Options, Evidence>, options: OptionNames<NoInfer<Options>>, traits: Traits = {}): Entry<Options, Evidence> {
  return { id, kind: 'hub', check, optionNames: Object.keys(options), ...traits };
}

function validity<Options, Evidence>(id: string, check: Checker<Options, Evidence>, options: OptionNames<NoInfer<Options>>, traits: Traits = {}): Entry<Options, Evidence> {
  return { id, kind: 'validity', check, optionNames: Object.keys(options), ...traits };
}

export type CheckName = keyof typeof CHECKERS;
type OptionsOf<E> = E extends Entry<infer Options, unknown> ? Options : never;
/** The evidence a check's result carries, e.g. `EvidenceOf<'resourceGrowth'>`. */
export type EvidenceOf<Name extends CheckName> = (typeof CHECKERS)[Name] extends Entry<never, infer Evidence> ? Evidence : never;

/** Which checks a scenario runs, with their options; a check left out is not run. */
export type ChecksConfig = { [Name in CheckName]?: OptionsOf<(typeof CHECKERS)[Name]> };

/** Every check's config name, in report order. */
export const CHECK_NAMES = Object.keys(CHECKERS) as CheckName[];

/** Whether any check this config runs (the always-on ones included) has the trait, e.g. `waitsForWholeFleet`. */
export function anyCheckHas(config: ChecksConfig, trait: 'waitsForWholeFleet'): boolean {
  return CHECK_NAMES.some((name) => (config[name] !== undefined || CHECKERS[name].always === true) && (CHECKERS[name] as Traits)[trait] === true);
}

/** The option names a check takes (`maxPerAgent` for reconnects). */
export function checkOptionNames(name: CheckName): readonly string[] {
  return CHECKERS[name].optionNames;
}

/**
 * Runs the configured checks (and the always-on ones) in the registry's
 * order, so reports read the same every run; each result says its kind. Then
 * come the two that judge the others: machine-headroom (a check that failed
 * on time while the machine was saturated is taken out of the verdict) and
 * history-complete (whether the history kept every event kind the checks
 * that ran read).
 */
export function evaluateChecks(input: CheckInput, config: ChecksConfig): CheckResult[] {
  let results: CheckResult[] = [];
  const needs: Record<string, readonly string[]> = {};
  for (const name of CHECK_NAMES) {
    const entry = CHECKERS[name] as Entry<unknown, unknown>;
    const options = config[name] ?? (entry.always ? {} : undefined);
    if (options === undefined) continue;
    // The entry names the check: id first and kind last, the order every report has always had.
    const result = { id: entry.id, ...entry.check(input, options), kind: entry.kind };
    results.push(result);
    if (entry.reads && result.status !== 'skipped') needs[entry.id] = entry.reads;
  }
  const machine = judgeMachineHeadroom(input, results);
  results = [...machine.results, { ...machine.headroom, kind: 'validity' }];
  results.push({ ...checkHistoryComplete(input, { needs, dropped: input.eventsDropped ?? {}, lost: input.eventsLost ?? {} }), kind: 'validity' });
  return results;
}
