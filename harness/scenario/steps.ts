/**
 * Network faults a scenario can schedule, as plain data. The runtime
 * (harness/runner/drivers/faults.ts) turns each into Toxiproxy calls.
 */
export type Stream = 'upstream' | 'downstream' | 'both';

export type FaultSpec =
  /** Every chunk delayed latencyMs +/- jitterMs. */
  | { kind: 'latency'; latencyMs: number; jitterMs?: number; stream?: Stream }
  /** A thin link: at most rateKBps kilobytes (1000 bytes) per second per connection and direction. */
  | { kind: 'bandwidth'; rateKBps: number; stream?: Stream }
  /** Data is dropped, not delayed (a half-open link); the connection closes after closeAfterMs, or never when 0. */
  | { kind: 'blackhole'; closeAfterMs?: number; stream?: Stream }
  /** Connections are reset (TCP RST) resetAfterMs after their first data. */
  | { kind: 'reset'; resetAfterMs: number; stream?: Stream }
  /** The close of a connection is delayed by delayMs. */
  | { kind: 'slow-close'; delayMs: number; stream?: Stream }
  /** The proxy is disabled: open connections drop and new ones are refused. */
  | { kind: 'partition' }
  /** The link goes down for downMs out of every periodMs, repeatedly. */
  | { kind: 'flap'; periodMs: number; downMs: number };

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

const KINDS = new Set(['latency', 'bandwidth', 'blackhole', 'reset', 'slow-close', 'partition', 'flap']);

/** Checks one fault step; returns the problem as [field, expected, value], or undefined when it is sound. */
export function faultStepProblem(step: FaultStep, groups: readonly string[]): [string, string, unknown] | undefined {
  if (typeof step !== 'object' || step === null) return ['', 'an object', step];
  if (!(typeof step.atMs === 'number' && step.atMs >= 0)) return ['atMs', 'a number of ms >= 0', step.atMs];
  if (step.durationMs !== undefined && !(typeof step.durationMs === 'number' && step.durationMs > 0)) return ['durationMs', 'a number of ms > 0', step.durationMs];
  const group = step.group ?? 'all';
  if (group !== 'all' && !groups.includes(group)) return ['group', `'all' or one of the groups (${groups.join(', ') || 'none defined'})`, group];
  const f = step.fault;
  if (typeof f !== 'object' || f === null || !KINDS.has(f.kind)) return ['fault.kind', `one of ${[...KINDS].join(', ')}`, f?.kind];
  const nonNegative = (field: string, v: unknown): [string, string, unknown] | undefined =>
    typeof v === 'number' && v >= 0 ? undefined : [`fault.${field}`, 'a number >= 0', v];
  switch (f.kind) {
    case 'latency':
      return nonNegative('latencyMs', f.latencyMs) ?? (f.jitterMs === undefined ? undefined : nonNegative('jitterMs', f.jitterMs));
    case 'bandwidth':
      return typeof f.rateKBps === 'number' && f.rateKBps > 0 ? undefined : ['fault.rateKBps', 'a number > 0', f.rateKBps];
    case 'blackhole':
      return f.closeAfterMs === undefined ? undefined : nonNegative('closeAfterMs', f.closeAfterMs);
    case 'reset':
      return nonNegative('resetAfterMs', f.resetAfterMs);
    case 'slow-close':
      return nonNegative('delayMs', f.delayMs);
    case 'flap':
      if (!(typeof f.periodMs === 'number' && f.periodMs > 0)) return ['fault.periodMs', 'a number of ms > 0', f.periodMs];
      if (!(typeof f.downMs === 'number' && f.downMs > 0 && f.downMs < f.periodMs)) return ['fault.downMs', 'a number of ms > 0 and < periodMs', f.downMs];
      return undefined;
    default:
      return undefined;
  }
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
