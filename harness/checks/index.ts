import { checkCommandDelivery, type CommandDeliveryOptions } from './command-delivery.ts';
import { checkConnectTime, type ConnectTimeOptions } from './connect-time.ts';
import { checkConnectionDurations, type ConnectionDurationsOptions } from './connection-durations.ts';
import { checkConnectionLoop, type ConnectionLoopOptions } from './connection-loop.ts';
import { checkHubHandlersPerConnection, checkHubReplaced, type HubReplacedOptions } from './hub-metrics.ts';
import { checkDeadDetection, type DeadDetectionOptions } from './dead-detection.ts';
import { checkEventLoopLag, type EventLoopLagOptions } from './event-loop-lag.ts';
import { checkFaultEffect, type FaultEffectOptions } from './fault-effect.ts';
import { checkPollingFallback } from './polling-fallback.ts';
import { checkReconnectSpread, type ReconnectSpreadOptions } from './reconnect-spread.ts';
import { checkReconnectStorm, type ReconnectStormOptions } from './reconnect-storm.ts';
import { checkReconnects, type ReconnectsOptions } from './reconnects.ts';
import { checkRecovery, type RecoveryOptions } from './recovery.ts';
import { checkResourceGrowth, type ResourceGrowthOptions } from './resource-growth.ts';
import type { CheckInput, CheckResult } from './types.ts';

export type { CheckInput, CheckResult } from './types.ts';

/** Which checks a scenario runs, with their options; a check left out is not run. */
export interface ChecksConfig {
  connectionLoop?: ConnectionLoopOptions;
  reconnects?: ReconnectsOptions;
  connectionDurations?: ConnectionDurationsOptions;
  connectTime?: ConnectTimeOptions;
  hubReplaced?: HubReplacedOptions;
  hubHandlersPerConnection?: Record<string, never>;
  commandDelivery?: CommandDeliveryOptions;
  recovery?: RecoveryOptions;
  deadDetection?: DeadDetectionOptions;
  reconnectStorm?: ReconnectStormOptions;
  faultEffect?: FaultEffectOptions;
  pollingFallback?: Record<string, never>;
  eventLoopLag?: EventLoopLagOptions;
  reconnectSpread?: ReconnectSpreadOptions;
  /** Also switches on resource sampling in the runner. */
  resourceGrowth?: ResourceGrowthOptions;
}

/** The keys of ChecksConfig, for validating scenario files. */
export const CHECK_NAMES: readonly (keyof ChecksConfig)[] = [
  'connectionLoop',
  'reconnects',
  'connectionDurations',
  'connectTime',
  'commandDelivery',
  'faultEffect',
  'recovery',
  'deadDetection',
  'reconnectStorm',
  'reconnectSpread',
  'pollingFallback',
  'eventLoopLag',
  'hubReplaced',
  'hubHandlersPerConnection',
  'resourceGrowth',
];

/** Runs the configured checks in a fixed order, so reports read the same every run. */
export function evaluateChecks(input: CheckInput, config: ChecksConfig): CheckResult[] {
  const results: CheckResult[] = [];
  if (config.connectionLoop) results.push(checkConnectionLoop(input, config.connectionLoop));
  if (config.reconnects) results.push(checkReconnects(input, config.reconnects));
  if (config.connectionDurations) results.push(checkConnectionDurations(input, config.connectionDurations));
  if (config.connectTime) results.push(checkConnectTime(input, config.connectTime));
  if (config.commandDelivery) results.push(checkCommandDelivery(input, config.commandDelivery));
  if (config.faultEffect) results.push(checkFaultEffect(input, config.faultEffect));
  if (config.recovery) results.push(checkRecovery(input, config.recovery));
  if (config.deadDetection) results.push(checkDeadDetection(input, config.deadDetection));
  if (config.reconnectStorm) results.push(checkReconnectStorm(input, config.reconnectStorm));
  if (config.reconnectSpread) results.push(checkReconnectSpread(input, config.reconnectSpread));
  if (config.pollingFallback) results.push(checkPollingFallback(input, config.pollingFallback));
  if (config.eventLoopLag) results.push(checkEventLoopLag(input, config.eventLoopLag));
  if (config.hubReplaced) results.push(checkHubReplaced(input, config.hubReplaced));
  if (config.hubHandlersPerConnection) results.push(checkHubHandlersPerConnection(input, config.hubHandlersPerConnection));
  if (config.resourceGrowth) results.push(checkResourceGrowth(input, config.resourceGrowth));
  return results;
}
