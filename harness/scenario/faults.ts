/**
 * Network faults a scenario can schedule, one entry each: the fault's fields
 * and their rules (checked when a scenario loads: steps.ts), what it does to
 * its group's proxies (a Toxiproxy toxic, or the proxies disabled: played by
 * harness/runner/drivers/faults.ts), whether it repeats, and how the checks
 * read its window. A new fault kind is its member of FaultSpec and one entry
 * here; the typecheck fails until they agree.
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

export type FaultKind = FaultSpec['kind'];

/** One Toxiproxy toxic, added to every proxy of the group on each of its streams while the fault is on. */
export interface Toxic {
  /** Toxiproxy's toxic type: latency, bandwidth, timeout, reset_peer, slow_close. */
  type: string;
  attributes: Record<string, number>;
  stream: Stream;
}

/** One field of a fault: the rule its value must meet, as an error names it. */
export interface FaultField<F> {
  /** What the value must be: 'a number >= 0'. */
  expected: string;
  required: boolean;
  /** Whether the value meets the rule, given the whole fault (a bound set by another field). Absent: not checked when the scenario loads. */
  ok?(value: unknown, fault: F): boolean;
}

/** How the checks read the fault's window (harness/checks/). */
export interface FaultWindowTraits {
  /** It cuts connections: fault-effect expects every agent behind it to see it (a disconnect, a failed connect or poll). */
  disrupts: boolean;
  /** A close with no close frame (1006) inside its window is the fault's, not the hub's: connection-loop does not count it. */
  explainsAbnormalClose: boolean;
  /** Links go silent without closing: dead-detection times how soon the agents notice. */
  silencesLinks: boolean;
}

export interface FaultEntry<F extends { kind: string }> {
  /** One line: what the agents behind it go through. */
  description: string;
  /** Every field besides kind, in the order they are checked; the type refuses a missing or extra one. */
  fields: { readonly [K in Exclude<keyof F, 'kind'>]-?: FaultField<F> };
  /** While on: a toxic on the group's proxies, or the proxies disabled (open connections drop, new ones are refused). */
  effect: 'disable' | { toxic(fault: F): Toxic };
  /** On and off in a cycle from atMs for durationMs: down for downMs out of every periodMs, each down phase a window of its own. Absent: on once. */
  cycle?(fault: F): { periodMs: number; downMs: number };
  window: FaultWindowTraits;
}

const atLeast0 = { expected: 'a number >= 0', ok: (v: unknown) => typeof v === 'number' && v >= 0 };
const above0 = { expected: 'a number > 0', ok: (v: unknown) => typeof v === 'number' && v > 0 };
/** Not checked when the scenario loads: Toxiproxy refuses another stream when the fault applies. */
const stream = { expected: "'upstream', 'downstream' or 'both'", required: false } as const;

/** In the order errors list them. */
export const FAULTS: { readonly [K in FaultKind]: FaultEntry<Extract<FaultSpec, { kind: K }>> } = {
  latency: {
    description: 'every chunk delayed latencyMs +/- jitterMs',
    fields: { latencyMs: { ...atLeast0, required: true }, jitterMs: { ...atLeast0, required: false }, stream },
    effect: { toxic: (f) => ({ type: 'latency', attributes: { latency: f.latencyMs, jitter: f.jitterMs ?? 0 }, stream: f.stream ?? 'both' }) },
    window: { disrupts: false, explainsAbnormalClose: false, silencesLinks: false },
  },
  bandwidth: {
    description: 'a thin link: at most rateKBps kilobytes per second per connection and direction',
    fields: { rateKBps: { ...above0, required: true }, stream },
    effect: { toxic: (f) => ({ type: 'bandwidth', attributes: { rate: f.rateKBps }, stream: f.stream ?? 'both' }) },
    window: { disrupts: false, explainsAbnormalClose: false, silencesLinks: false },
  },
  blackhole: {
    description: 'data dropped, not delayed (a half-open link); closed after closeAfterMs, or never',
    fields: { closeAfterMs: { ...atLeast0, required: false }, stream },
    effect: { toxic: (f) => ({ type: 'timeout', attributes: { timeout: f.closeAfterMs ?? 0 }, stream: f.stream ?? 'both' }) },
    window: { disrupts: true, explainsAbnormalClose: true, silencesLinks: true },
  },
  reset: {
    description: 'connections reset (TCP RST) resetAfterMs after their first data',
    fields: { resetAfterMs: { ...atLeast0, required: true }, stream },
    effect: { toxic: (f) => ({ type: 'reset_peer', attributes: { timeout: f.resetAfterMs }, stream: f.stream ?? 'both' }) },
    window: { disrupts: true, explainsAbnormalClose: true, silencesLinks: false },
  },
  'slow-close': {
    description: 'the close of a connection delayed by delayMs',
    fields: { delayMs: { ...atLeast0, required: true }, stream },
    effect: { toxic: (f) => ({ type: 'slow_close', attributes: { delay: f.delayMs }, stream: f.stream ?? 'both' }) },
    window: { disrupts: false, explainsAbnormalClose: true, silencesLinks: false },
  },
  partition: {
    description: 'the proxies disabled: open connections drop, new ones are refused',
    fields: {},
    effect: 'disable',
    window: { disrupts: true, explainsAbnormalClose: true, silencesLinks: false },
  },
  flap: {
    description: 'the link down for downMs out of every periodMs, repeatedly',
    fields: {
      periodMs: { expected: 'a number of ms > 0', required: true, ok: above0.ok },
      downMs: { expected: 'a number of ms > 0 and < periodMs', required: true, ok: (v, f) => typeof v === 'number' && v > 0 && v < f.periodMs },
    },
    effect: 'disable',
    cycle: (f) => ({ periodMs: f.periodMs, downMs: f.downMs }),
    window: { disrupts: true, explainsAbnormalClose: true, silencesLinks: false },
  },
};

export function isFaultKind(kind: unknown): kind is FaultKind {
  return typeof kind === 'string' && Object.hasOwn(FAULTS, kind);
}

/** The record's entry for this fault, typed as its own. */
export function faultEntry<F extends FaultSpec>(fault: F): FaultEntry<F> {
  return FAULTS[fault.kind] as unknown as FaultEntry<F>;
}

/** Checks a fault's fields against its entry; returns the problem as [field, expected, value], or undefined when they are sound. */
export function faultProblem(fault: unknown): [string, string, unknown] | undefined {
  const kind = (fault as { kind?: unknown } | null)?.kind;
  if (typeof fault !== 'object' || fault === null || !isFaultKind(kind)) return ['kind', `one of ${Object.keys(FAULTS).join(', ')}`, kind];
  const spec = fault as FaultSpec;
  for (const [name, field] of Object.entries(faultEntry(spec).fields) as [string, FaultField<FaultSpec>][]) {
    const value = (spec as Record<string, unknown>)[name];
    if (value === undefined && !field.required) continue;
    if (field.ok && !field.ok(value, spec)) return [name, field.expected, value];
  }
  return undefined;
}
