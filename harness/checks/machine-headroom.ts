import type { EventOf } from '../history/events.ts';
import { formatMs } from './stats.ts';
import type { CheckInput, CheckResult, TimeWindow } from './types.ts';

/**
 * When the machine counts as saturated over a sample's interval: its cores
 * at least 90% busy, more runnable tasks than twice its cores (each waits
 * as long as it runs), or one of the run's own single-threaded processes
 * (the harness, a proxy, a fleet shard) using a whole core, so it cannot
 * keep up whatever the rest of the machine does.
 */
export const SATURATION = { busyShare: 0.9, runQueuePerCore: 2, ownProcessCores: 0.95 } as const;

/**
 * Share of the time a late check was given during which the machine must
 * have been saturated for the lateness to be the machine's and not the
 * hub's. A fifth: a second or two of a stalled machine delays every timer,
 * probe and accept queued behind it, and backoff stretches a short stall
 * into a long absence; a slow hub on an idle machine has none at all.
 */
export const SATURATED_SHARE = 0.2;

/**
 * A process waited for a CPU at least this share of an interval (100 ms a
 * second): it was starved. A saturated machine excuses lateness only where
 * the processes the late thing waited on were starved: a hub that hangs, or
 * waits on its own timers, accrues no wait however busy the machine is.
 */
export const STARVED_WAIT_SHARE = 0.1;

/** Components on the hub's side of the agents' traffic: the hub and the proxies between it and the fleet. */
function isHubSide(component: string): boolean {
  return component === 'hub' || component === 'proxy' || component.startsWith('proxy-');
}

/** Components that are the run's own processes, not the hub (whose CPU is the hub's to spend). */
function isOwnComponent(component: string): boolean {
  return component === 'harness' || component === 'proxy' || component.startsWith('proxy-') || component.startsWith('shard');
}

export interface WindowFigures extends TimeWindow {
  /** The checks late in this window. */
  checks: string[];
  /** How long the machine was saturated within it, ms. */
  saturatedMs: number;
  busyMaxShare: number;
  runQueueMax: number;
  cores: number;
  /** Each sampled component's highest CPU use in the window, in cores. */
  componentCores: Record<string, number>;
}

export interface MachineHeadroomEvidence {
  samples: number;
  cores?: number;
  /** The run's busiest sample. */
  busyMaxShare?: number;
  runQueueMax?: number;
  /** How long the machine was saturated over the whole run, ms. */
  saturatedMs: number;
  /** Each window in which a timing check failed, with what the machine did in it. */
  windows: WindowFigures[];
  /** The hub checks this check took out of the verdict, with what they had said. */
  excused: { check: string; summary: string }[];
}

interface Interval {
  fromMs: number;
  toMs: number;
  machine: EventOf<'machine.sample'>;
  /** The machine ran out (cores busy, run queue long) or one of the run's own processes used a whole core. */
  saturated: boolean;
  /** A process of the run, any of them, waited for a CPU past STARVED_WAIT_SHARE; undefined when no wait was measured. */
  starvedAny?: boolean;
  /** The same for the hub's side (the hub, the proxies; the harness when neither was sampled: then they ran in it). */
  starvedHubSide?: boolean;
}

/**
 * Whether the machine left the run room to judge the hub on time. A check
 * whose failure is that something came too late (it sets `lateDuring`)
 * cannot blame the hub when the machine was saturated through enough of the
 * time it gave: the fleet's timers, the proxy and the hub all queue on the
 * same cores. Those checks are taken out of the verdict (skipped, with what
 * they said) and this check fails, which makes the run invalid (exit 2) with
 * the figures and what to change. A check late while the machine had
 * headroom stays failed: that hub is slow.
 *
 * Returns the results with the excused checks replaced, and this check's own result.
 */
export function judgeMachineHeadroom(input: CheckInput, results: readonly CheckResult[]): { results: CheckResult[]; headroom: CheckResult<MachineHeadroomEvidence> } {
  const id = 'machine-headroom';
  const title = 'The machine had headroom whenever a check failed on time';
  const intervals = saturationIntervals(input);
  const busiest = intervals.reduce<Interval | undefined>((a, b) => (a && a.machine.busyShare >= b.machine.busyShare ? a : b), undefined);
  const saturatedMs = intervals.reduce((sum, i) => sum + (i.saturated && i.starvedAny !== false ? i.toMs - i.fromMs : 0), 0);
  const evidence: MachineHeadroomEvidence = {
    samples: intervals.length,
    ...(busiest ? { cores: busiest.machine.cores, busyMaxShare: busiest.machine.busyShare, runQueueMax: Math.max(...intervals.map((i) => i.machine.runQueue)) } : {}),
    saturatedMs: Math.round(saturatedMs),
    windows: [],
    excused: [],
  };
  const late = results.filter((r) => r.status === 'failed' && r.kind !== 'validity' && r.lateDuring && r.lateDuring.length > 0);
  if (intervals.length === 0) {
    const why = 'the machine was not sampled (no /proc/stat here)';
    if (late.length === 0) return { results: [...results], headroom: { id, title, status: 'skipped', summary: `skipped: ${why}`, reason: why } };
    // Nothing to excuse them with: they stand, and the reader is told the machine is unknown.
    return { results: [...results], headroom: { id, title, status: 'skipped', summary: `skipped: ${why}; ${late.map((r) => r.id).join(', ')} failed on time and stand`, reason: why } };
  }

  const excused = new Map<string, WindowFigures[]>();
  for (const result of late) {
    const figures = result.lateDuring!.map((w) => figuresFor(w, result.id, intervals, input));
    evidence.windows.push(...figures);
    // Every late window must have been saturated: one the hub had to itself was the hub's to meet.
    if (figures.every((f) => f.saturatedMs >= SATURATED_SHARE * Math.max(1, f.toMs - f.fromMs) && f.saturatedMs > 0)) excused.set(result.id, figures);
  }
  const machine = busiest ? `busiest ${Math.round(busiest.machine.busyShare * 100)}% of ${busiest.machine.cores} cores, run queue up to ${evidence.runQueueMax}` : '';
  if (excused.size === 0) {
    const onTime = late.length > 0 ? `${late.map((r) => r.id).join(', ')} failed on time while the machine had headroom (saturated ${formatMs(saturatedMs)} of the windows they were given at most), so the hub is slow; ` : '';
    const saturatedNote = saturatedMs > 0 ? `saturated ${formatMs(saturatedMs)} in all` : 'never saturated';
    return { results: [...results], headroom: { id, title, status: 'passed', summary: `${onTime}${machine}, ${saturatedNote}`, evidence } };
  }

  const out = results.map((r): CheckResult => {
    const windows = excused.get(r.id);
    if (!windows || r.status !== 'failed') return r;
    evidence.excused.push({ check: r.id, summary: r.summary });
    const reason = `not judged: it failed on time while the machine was saturated (${describeWindow(windows[0]!)}); it said: ${r.summary}`;
    return { id: r.id, title: r.title, kind: r.kind, status: 'skipped', summary: reason, reason };
  });
  const worst = [...excused.values()].flat().reduce((a, b) => (b.saturatedMs > a.saturatedMs ? b : a));
  const summary = `${[...excused.keys()].join(', ')} failed while the machine was saturated (${describeWindow(worst)}): the machine ran out, so the run cannot tell a slow hub from a starved one; run fewer agents, spread the fleet over more machines (--fleet-runner containers or kubernetes), or use a bigger machine`;
  return { results: out, headroom: { id, title, status: 'failed', summary, evidence, partial: true } };
}

function describeWindow(w: WindowFigures): string {
  const own = Object.entries(w.componentCores)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ');
  return `${formatMs(w.saturatedMs)} of the ${formatMs(w.toMs - w.fromMs)} from ${formatMs(w.fromMs)}: ${w.cores} cores up to ${Math.round(w.busyMaxShare * 100)}% busy, run queue up to ${w.runQueueMax}${own ? `, CPU in cores: ${own}` : ''}`;
}

/** Each machine sample as the interval it covers (from the previous sample), marked saturated, and starved where waits were measured. */
function saturationIntervals(input: CheckInput): Interval[] {
  const machine = input.events.filter((e): e is EventOf<'machine.sample'> => e.type === 'machine.sample');
  const samples = input.events.filter((e): e is EventOf<'resource.sample'> => e.type === 'resource.sample');
  // Each component sample joins the machine interval it is nearest to (children are read just after the machine).
  const pinnedAt = new Set<number>();
  const waitAny = new Map<number, number>();
  const waitHubSide = new Map<number, number>();
  const waitHarness = new Map<number, number>();
  let hubSideSampled = false;
  let waitsMeasured = false;
  for (const r of samples) {
    if (machine.length === 0) break;
    const at = nearest(machine, r.t);
    if (r.cpuCores !== undefined && r.cpuCores >= SATURATION.ownProcessCores && isOwnComponent(r.component)) pinnedAt.add(at);
    if (r.cpuWaitShare === undefined) continue;
    waitsMeasured = true;
    const max = (m: Map<number, number>) => m.set(at, Math.max(m.get(at) ?? 0, r.cpuWaitShare!));
    max(waitAny);
    if (isHubSide(r.component)) {
      hubSideSampled = true;
      max(waitHubSide);
    }
    if (r.component === 'harness') max(waitHarness);
  }
  const intervals: Interval[] = [];
  for (let i = 0; i < machine.length; i++) {
    const m = machine[i]!;
    const fromMs = i === 0 ? Math.max(0, m.t - (machine[1] ? machine[1].t - m.t : 1_000)) : machine[i - 1]!.t;
    const saturated = m.busyShare >= SATURATION.busyShare || m.runQueue > SATURATION.runQueuePerCore * m.cores || pinnedAt.has(i);
    const interval: Interval = { fromMs, toMs: m.t, machine: m, saturated };
    if (waitsMeasured) {
      interval.starvedAny = (waitAny.get(i) ?? 0) >= STARVED_WAIT_SHARE || pinnedAt.has(i);
      interval.starvedHubSide = ((hubSideSampled ? waitHubSide : waitHarness).get(i) ?? 0) >= STARVED_WAIT_SHARE;
    }
    intervals.push(interval);
  }
  return intervals;
}

/** Index of the sample whose time is nearest to t (samples in time order). */
function nearest(samples: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = samples.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && t - samples[lo - 1]!.t < samples[lo]!.t - t ? lo - 1 : lo;
}

function figuresFor(window: TimeWindow, check: string, intervals: readonly Interval[], input: CheckInput): WindowFigures {
  let saturatedMs = 0;
  let busyMaxShare = 0;
  let runQueueMax = 0;
  let cores = 0;
  for (const i of intervals) {
    const overlap = Math.min(i.toMs, window.toMs) - Math.max(i.fromMs, window.fromMs);
    if (overlap <= 0) continue;
    // Where waits were measured, the machine being busy is not enough: the late thing's processes must have been starved.
    const starved = window.waitingOn === 'hub' ? i.starvedHubSide : i.starvedAny;
    if (i.saturated && starved !== false) saturatedMs += overlap;
    busyMaxShare = Math.max(busyMaxShare, i.machine.busyShare);
    runQueueMax = Math.max(runQueueMax, i.machine.runQueue);
    cores = i.machine.cores;
  }
  const componentCores: Record<string, number> = {};
  for (const e of input.events) {
    if (e.type !== 'resource.sample' || e.cpuCores === undefined || e.t < window.fromMs || e.t > window.toMs + 1_000) continue;
    componentCores[e.component] = Math.max(componentCores[e.component] ?? 0, e.cpuCores);
  }
  return { fromMs: Math.round(window.fromMs), toMs: Math.round(window.toMs), ...(window.waitingOn ? { waitingOn: window.waitingOn } : {}), checks: [check], saturatedMs: Math.round(saturatedMs), busyMaxShare, runQueueMax, cores, componentCores };
}
