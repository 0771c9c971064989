import { faultWindows } from '../../checks/fault-windows.ts';
import type { RunResult } from '../../runner/result.ts';
import { commandLatency, durationHistogram, fleetSeries, type DurationHistogram, type FleetSeries, type LatencySeries } from './series.ts';
import { machineSeries, type MachineSeries } from './machine.ts';
import { resourceSeries, type ResourceSeries } from './resources.ts';
import { buildLanes } from './timeline.ts';

/**
 * Everything report.html draws, precomputed in Node: the page only maps
 * numbers to pixels, so it opens fast with 1,000+ agents.
 */
export interface ReportData {
  endMs: number;
  lanes: {
    /** Agents in the run. */
    total: number;
    /** The agents that get a lane, in fleet order. */
    ids: string[];
    /** Per lane: did a failed check name this agent. */
    flagged: boolean[];
    /** Per lane: index into `groups`, or -1. */
    group: number[];
    /** Per lane: [fromMs, toMs, state, closeIndex]... (see timeline.ts). */
    segs: number[][];
    /** Per lane: failed connect attempts, ms. */
    fails: number[][];
  };
  closes: string[];
  groups: string[];
  faults: { name: string; kind: string; target: string; fromMs: number; toMs: number; healed: boolean }[];
  /** Hub redeploys, begin to end (to the end of observation when one never ended). */
  redeploys: { name: string; kind: string; fromMs: number; toMs: number; ended: boolean }[];
  phases: { phase: string; t: number }[];
  fleet: FleetSeries;
  latency: LatencySeries;
  durations: DurationHistogram;
  /** Resource samples per component, when the run took any (soak, steady, storm); absent otherwise, and so is the section. */
  resources?: ResourceSeries;
  /** How busy the machine and each component's CPU were; always present, so the page can say why a part is missing. */
  machine: MachineSeries;
}

export interface ReportDataOptions {
  /** Most lanes to draw; past it, every flagged agent plus the first agents of the fleet. Default 5_000. */
  maxLanes?: number;
}

/** Agents a failed check names anywhere in its evidence: those are the lanes a reader looks for first. */
export function flaggedAgents(result: RunResult): Set<string> {
  const ids = new Set(result.agentIds);
  const flagged = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (ids.has(value)) flagged.add(value);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  for (const check of result.checks) if (check.status === 'failed') visit(check.evidence);
  return flagged;
}

export function buildReportData(result: RunResult, options: ReportDataOptions = {}): ReportData {
  const maxLanes = options.maxLanes ?? 5_000;
  const lastT = result.events.reduce((max, e) => Math.max(max, e.t), 0);
  const endMs = Math.max(result.elapsedMs, lastT, 1);
  const built = buildLanes(result.events, result.agentIds, endMs);
  const flagged = flaggedAgents(result);

  let shown = result.agentIds;
  if (shown.length > maxLanes) {
    const keep = new Set([...flagged].slice(0, maxLanes));
    for (const id of result.agentIds) if (keep.size < maxLanes) keep.add(id);
    shown = result.agentIds.filter((id) => keep.has(id));
  }
  const groups = result.groups.map((g) => g.name);
  const groupOf = new Map<string, number>();
  result.groups.forEach((g, gi) => {
    const from = result.agentIds.indexOf(g.firstAgent);
    const to = result.agentIds.indexOf(g.lastAgent);
    if (from >= 0) for (let i = from; i <= to; i++) groupOf.set(result.agentIds[i]!, gi);
  });

  // faultWindows() also holds redeploys (kind 'redeploy:<kind>'); the report draws those apart, in their own colour.
  const windows = faultWindows(result.events, endMs);
  const resources = resourceSeries(result.events, result.checks);
  const redeploys = windows.filter((w) => w.kind.startsWith('redeploy:')).map((w) => ({ name: w.fault, kind: w.kind.slice('redeploy:'.length), fromMs: w.fromMs, toMs: w.toMs, ended: w.healed }));

  return {
    endMs,
    lanes: {
      total: result.agentIds.length,
      ids: [...shown],
      flagged: shown.map((id) => flagged.has(id)),
      group: shown.map((id) => groupOf.get(id) ?? -1),
      segs: shown.map((id) => built.lanes.get(id)!.segs),
      fails: shown.map((id) => built.lanes.get(id)!.fails),
    },
    closes: built.closes,
    groups,
    faults: windows.filter((w) => !w.kind.startsWith('redeploy:')).map((w) => ({ name: w.fault, kind: w.kind, target: w.target, fromMs: w.fromMs, toMs: w.toMs, healed: w.healed })),
    redeploys,
    phases: result.events.flatMap((e) => (e.type === 'run.phase' ? [{ phase: e.phase, t: e.t }] : [])),
    fleet: fleetSeries(result.events, built.changes, result.agentIds.length, endMs),
    latency: commandLatency(result.events),
    durations: durationHistogram(built.closedMs, built.openAtEndMs),
    ...(resources ? { resources } : {}),
    machine: machineSeries(result.events, result.checks, endMs),
  };
}
