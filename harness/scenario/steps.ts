/**
 * The steps of a scenario's timeline, as plain data: faults (their kinds in
 * faults.ts, which the runner's fault driver plays) and hub redeploys.
 */
import { faultProblem, type FaultSpec } from './faults.ts';

export type { FaultSpec, Stream } from './faults.ts';

export interface FaultStep {
  /** Names the fault in events and reports. Default `<kind>-<index>`. */
  name?: string;
  /** When the fault starts, ms after the steady phase starts. */
  atMs: number;
  /** How long it lasts, ms; it heals after. Default: until the steady phase ends. */
  durationMs?: number;
  /** Which group of agents it hits: a group name from `groups`, or 'all'. Default 'all'. */
  group?: string;
  fault: FaultSpec;
}

/** A share of the fleet behind its own proxy, so a fault can hit only part of it. */
export interface GroupSpec {
  name: string;
  /** Fraction of agents in this group, 0 to 1. Agents not in a named group are in group 'rest'. */
  share: number;
}

/** Checks one fault step; returns the problem as [field, expected, value], or undefined when it is sound. */
export function faultStepProblem(step: FaultStep, groups: readonly string[]): [string, string, unknown] | undefined {
  if (typeof step !== 'object' || step === null) return ['', 'an object', step];
  if (!(typeof step.atMs === 'number' && step.atMs >= 0)) return ['atMs', 'a number of ms >= 0', step.atMs];
  if (step.durationMs !== undefined && !(typeof step.durationMs === 'number' && step.durationMs > 0)) return ['durationMs', 'a number of ms > 0', step.durationMs];
  const group = step.group ?? 'all';
  if (group !== 'all' && !groups.includes(group)) return ['group', `'all' or one of the groups (${groups.join(', ') || 'none defined'})`, group];
  const problem = faultProblem(step.fault);
  return problem && [`fault.${problem[0]}`, problem[1], problem[2]];
}

/** A hub redeploy on the scenario timeline. */
export interface RedeployStep {
  /** Names it in events and reports. Default `<kind>-<index>`. */
  name?: string;
  /** When it starts, ms after the steady phase starts. */
  atMs: number;
  /**
   * graceful: SIGTERM, the hub closes every socket with 1012, a new one starts.
   * crash: SIGKILL, no close frames; agents find out through TCP or their liveness check.
   * rolling: a second hub starts on another port, the proxy's upstream switches to it, the old one drains.
   * slow-start: like graceful, but the new hub takes downMs (default 5_000) to accept connections.
   */
  kind: 'graceful' | 'crash' | 'rolling' | 'slow-start';
  /** How long the hub stays down between stop and start, ms. Default 0 (5_000 for slow-start). */
  downMs?: number;
}

const REDEPLOY_KINDS = new Set(['graceful', 'crash', 'rolling', 'slow-start']);

export function redeployStepProblem(step: RedeployStep): [string, string, unknown] | undefined {
  if (typeof step !== 'object' || step === null) return ['', 'an object', step];
  if (!(typeof step.atMs === 'number' && step.atMs >= 0)) return ['atMs', 'a number of ms >= 0', step.atMs];
  if (!REDEPLOY_KINDS.has(step.kind)) return ['kind', `one of ${[...REDEPLOY_KINDS].join(', ')}`, step.kind];
  if (step.downMs !== undefined && !(typeof step.downMs === 'number' && step.downMs >= 0)) return ['downMs', 'a number of ms >= 0', step.downMs];
  return undefined;
}
