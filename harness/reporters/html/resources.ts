import type { ComponentGrowth } from '../../checks/resource-growth.ts';
import type { CheckResult } from '../../checks/types.ts';
import type { HistoryEvent, ResourceSampleEvent } from '../../history/events.ts';

/**
 * The Resources charts' data: each sampled component's readings over time,
 * thinned to at most MAX_POINTS a component, plus the resource-growth
 * check's fitted lines. x is in seconds like the other charts; bytes are MiB.
 */
export interface ResourceSeries {
  /** Components in order of their first sample; a component's colour follows its index. */
  components: ComponentSeries[];
  charts: ResourceChart[];
  /** Median time between one component's samples, ms. */
  intervalMs: number;
  /** Samples in the history, before thinning. */
  samples: number;
}

export interface ComponentSeries {
  name: string;
  /** Processes seen (pids), in order: more than one means it was restarted. */
  incarnations: number;
  /** Sample times, s. Between two incarnations a point with every value null breaks the line. */
  t: number[];
  /** Each point stands for this many samples (1: not thinned). */
  samplesPerPoint: number;
}

export type ResourceMetricId = 'rss' | 'heap' | 'external' | 'handles' | 'lag';

export interface ResourceChart {
  metric: ResourceMetricId;
  title: string;
  unit: 'MiB' | 'ms' | '';
  /** Per component (same order as `components`): values matching its `t`, null for a gap; null when it never reports this metric. */
  values: ((number | null)[] | null)[];
  /** The resource-growth check's fitted line per component and incarnation, in the chart's units. */
  trends: ResourceTrend[];
  /** A level a check holds this metric under (event-loop-lag's p99 bound), in the chart's units. */
  bound?: { value: number; label: string };
}

export interface ResourceTrend {
  /** Index into `components`. */
  component: number;
  /** One segment per incarnation: [fromS, fromValue, toS, toValue]. */
  lines: [number, number, number, number][];
  /** Fitted growth per minute, in the chart's units. */
  slopePerMin: number;
  /** The check's verdict on this metric: 'leak' is what failed it. */
  verdict: string;
  /** Why a slope over the check's bound did not fail it, as the check's summary says. */
  excuse?: 'not steady' | 'a one-time step';
}

/** Most points per component's line: plenty for a chart a few hundred pixels wide, small in the page. */
export const MAX_POINTS = 1_000;

const MIB = 1024 * 1024;

interface MetricSpec {
  metric: ResourceMetricId;
  title: string;
  unit: ResourceChart['unit'];
  /** The sample field, and the resource-growth metric with the same reading. */
  field: 'rssBytes' | 'heapUsedBytes' | 'externalBytes' | 'handles' | 'loopLagMs';
  scale: number;
  digits: number;
  /** How thinning merges samples: the mean for levels; the worst for lag, which is what the lag check judges. */
  merge: 'mean' | 'max';
}

const METRICS: readonly MetricSpec[] = [
  { metric: 'rss', title: 'RSS', unit: 'MiB', field: 'rssBytes', scale: 1 / MIB, digits: 2, merge: 'mean' },
  { metric: 'heap', title: 'V8 heap used', unit: 'MiB', field: 'heapUsedBytes', scale: 1 / MIB, digits: 2, merge: 'mean' },
  // Not in the list, but the check judges it and a Buffer leak (slow-leak's frame copies) shows here first.
  { metric: 'external', title: 'External memory (Buffers)', unit: 'MiB', field: 'externalBytes', scale: 1 / MIB, digits: 2, merge: 'mean' },
  { metric: 'handles', title: 'Open handles', unit: '', field: 'handles', scale: 1, digits: 1, merge: 'mean' },
  { metric: 'lag', title: 'Event loop delay, p99 per interval', unit: 'ms', field: 'loopLagMs', scale: 1, digits: 2, merge: 'max' },
];

/** Undefined when the history has no resource samples: the report then has no Resources section. */
export function resourceSeries(events: readonly HistoryEvent[], checks: readonly CheckResult[]): ResourceSeries | undefined {
  const byComponent = new Map<string, ResourceSampleEvent[]>();
  for (const e of events) {
    if (e.type !== 'resource.sample') continue;
    let list = byComponent.get(e.component);
    if (!list) byComponent.set(e.component, (list = []));
    list.push(e);
  }
  if (byComponent.size === 0) return undefined;

  const names = [...byComponent.keys()];
  const thinned = names.map((name) => thinByProcess(byComponent.get(name)!.sort((a, b) => a.t - b.t), METRICS));
  const growth = growthEvidence(checks);
  const lagBound = lagEvidence(checks);

  const charts = METRICS.flatMap((spec): ResourceChart[] => {
    const values = thinned.map(({ points }) => {
      const column = points.map((p) => (p.values === null ? null : p.values[spec.field]));
      return column.some((v) => v !== null) ? column.map((v) => (v === null ? null : round(v * spec.scale, spec.digits))) : null;
    });
    if (values.every((v) => v === null)) return [];
    const trends = names.flatMap((name, component): ResourceTrend[] => {
      const m = growth.components.get(name)?.metrics.find((x) => x.metric === spec.field);
      if (!m?.fittedLines?.length || m.slopePerMin === undefined) return [];
      const lines = m.fittedLines.map((l): [number, number, number, number] => [round(l.fromMs / 1_000, 3), round(l.fromValue * spec.scale, spec.digits), round(l.toMs / 1_000, 3), round(l.toValue * spec.scale, spec.digits)]);
      // The check's own rule (resource-growth.ts): over the bound yet passed is either noise or a step.
      const excuse = m.verdict === 'ok' && m.boundPerMin !== undefined && m.slopePerMin > m.boundPerMin ? { excuse: (m.r2 ?? 0) < growth.minR2 ? ('not steady' as const) : ('a one-time step' as const) } : {};
      return [{ component, lines, slopePerMin: round(m.slopePerMin * spec.scale, spec.digits), verdict: m.verdict, ...excuse }];
    });
    const bound = spec.metric === 'lag' && lagBound ? { bound: lagBound } : {};
    return [{ metric: spec.metric, title: spec.title, unit: spec.unit, values, trends, ...bound }];
  });

  const first = byComponent.get(names[0]!)!;
  const gaps = first.slice(1).map((s, i) => s.t - first[i]!.t).sort((a, b) => a - b);
  return {
    components: names.map((name, i) => ({ name, incarnations: thinned[i]!.incarnations, t: thinned[i]!.points.map((p) => p.t), samplesPerPoint: thinned[i]!.every })),
    charts,
    intervalMs: Math.round(gaps[gaps.length >> 1] ?? 0),
    samples: [...byComponent.values()].reduce((sum, list) => sum + list.length, 0),
  };
}

/** A numeric reading of a resource sample, and how thinning merges several into one point. */
export interface FieldSpec<F extends NumericField> {
  field: F;
  /** The mean for levels; the worst for what a check judges at its peak (lag, CPU). */
  merge: 'mean' | 'max';
}

export type NumericField = 'rssBytes' | 'heapUsedBytes' | 'externalBytes' | 'handles' | 'loopLagMs' | 'cpuCores';

export interface ThinnedSamples<F extends NumericField> {
  points: { t: number; values: Record<F, number | null> | null }[];
  incarnations: number;
  /** Samples merged into each point. */
  every: number;
}

/**
 * One component's samples as chart points: merged `every` at a time within an
 * incarnation when there are more than MAX_POINTS, and a null point between
 * incarnations so a restart breaks the line instead of drawing a drop (or a
 * climb) that no process made.
 */
export function thinByProcess<F extends NumericField>(samples: readonly ResourceSampleEvent[], specs: readonly FieldSpec<F>[]): ThinnedSamples<F> {
  const every = Math.max(1, Math.ceil(samples.length / MAX_POINTS));
  const runs: ResourceSampleEvent[][] = [];
  for (const s of samples) {
    const run = runs[runs.length - 1];
    if (run && run[0]!.pid === s.pid) run.push(s);
    else runs.push([s]);
  }
  const points: ThinnedSamples<F>['points'] = [];
  runs.forEach((run, ri) => {
    if (ri > 0) {
      // Midway between the last sample of one process and the first of the next; 4 decimals so it cannot land on either.
      points.push({ t: round((points[points.length - 1]!.t + run[0]!.t / 1_000) / 2, 4), values: null });
    }
    for (let i = 0; i < run.length; i += every) {
      const chunk = run.slice(i, i + every);
      const values = {} as Record<F, number | null>;
      for (const spec of specs) {
        const present = chunk.flatMap((s) => (s[spec.field] === undefined ? [] : [s[spec.field]!]));
        values[spec.field] = present.length === 0 ? null : spec.merge === 'max' ? Math.max(...present) : present.reduce((a, b) => a + b, 0) / present.length;
      }
      points.push({ t: round(chunk.reduce((sum, s) => sum + s.t, 0) / chunk.length / 1_000, 3), values });
    }
  });
  return { points, incarnations: new Set(samples.map((s) => s.pid)).size, every };
}

/** The resource-growth check's per-component evidence, when that check ran and judged. */
function growthEvidence(checks: readonly CheckResult[]): { components: Map<string, Pick<ComponentGrowth, 'metrics'>>; minR2: number } {
  const check = checks.find((c) => c.id === 'resource-growth');
  const out = { components: new Map<string, Pick<ComponentGrowth, 'metrics'>>(), minR2: 0.5 };
  if (!check || check.status === 'skipped') return out;
  // Evidence is typed unknown on a CheckResult (and may come from an older summary.json): read only what has the expected shape.
  const evidence = check.evidence as { components?: unknown; minR2?: unknown } | undefined;
  if (typeof evidence?.minR2 === 'number') out.minR2 = evidence.minR2;
  if (!Array.isArray(evidence?.components)) return out;
  for (const c of evidence.components as Partial<ComponentGrowth>[]) {
    if (typeof c?.component === 'string' && Array.isArray(c.metrics)) out.components.set(c.component, { metrics: c.metrics.filter((m) => Array.isArray(m.fittedLines) && typeof m.slopePerMin === 'number') });
  }
  return out;
}

/** The event-loop-lag check's bound, when it is in the run. */
function lagEvidence(checks: readonly CheckResult[]): ResourceChart['bound'] {
  const check = checks.find((c) => c.id === 'event-loop-lag');
  if (!check || check.status === 'skipped') return undefined;
  const maxMs = (check.evidence as { maxMs?: unknown } | undefined)?.maxMs;
  return typeof maxMs === 'number' ? { value: maxMs, label: check.title } : undefined;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
