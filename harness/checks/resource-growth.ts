import type { ResourceSampleEvent } from '../history/events.ts';
import { formatMs } from './stats.ts';
import { fitTrend, type Trend } from './trend.ts';
import type { Checker } from './types.ts';

export interface ResourceGrowthOptions {
  /**
   * How often the runner samples resources, ms. Configuring this check is what
   * switches sampling on. Default: 1_000, longer for long runs (about 300
   * samples per component).
   */
  sampleIntervalMs?: number;
  /** Share of each process's sampled span skipped at its start (module loading, JIT, first connections), 0..1. Default 0.2. */
  warmupFraction?: number;
  /** Fail when RSS grows faster than this, bytes per minute. Default: not judged. */
  maxRssGrowthBytesPerMin?: number;
  /** Fail when the V8 heap in use grows faster than this, bytes per minute. Default: not judged. */
  maxHeapGrowthBytesPerMin?: number;
  /** Fail when memory outside the V8 heap (Buffers) grows faster than this, bytes per minute. Default: not judged. */
  maxExternalGrowthBytesPerMin?: number;
  /** Fail when open handles grow faster than this, per minute. Default: not judged. */
  maxHandleGrowthPerMin?: number;
  /**
   * A slope over its bound fails only when the line explains at least this
   * share of the variance (R²), and fits better than any single step. Default 0.5.
   */
  minR2?: number;
  /** A metric with fewer samples after the warm-up is reported, not judged. Default 10. */
  minSamples?: number;
}

type Metric = 'rssBytes' | 'heapUsedBytes' | 'externalBytes' | 'handles';
type BoundKey = 'maxHeapGrowthBytesPerMin' | 'maxRssGrowthBytesPerMin' | 'maxExternalGrowthBytesPerMin' | 'maxHandleGrowthPerMin';

const METRICS: readonly { metric: Metric; label: string; bound: BoundKey; bytes: boolean }[] = [
  { metric: 'heapUsedBytes', label: 'heap used', bound: 'maxHeapGrowthBytesPerMin', bytes: true },
  { metric: 'rssBytes', label: 'RSS', bound: 'maxRssGrowthBytesPerMin', bytes: true },
  { metric: 'externalBytes', label: 'external memory', bound: 'maxExternalGrowthBytesPerMin', bytes: true },
  { metric: 'handles', label: 'open handles', bound: 'maxHandleGrowthPerMin', bytes: false },
];

export interface MetricGrowth {
  metric: Metric;
  /** Samples after the warm-up. */
  samples: number;
  /** Least-squares growth, bytes (or handles) per minute; absent when too few samples. */
  slopePerMin?: number;
  r2?: number;
  /** The line's squared error over the best single step's: below 1, steady growth rather than a one-time jump. */
  lineVsStepError?: number;
  /** The fitted growth over the judged span: slope times its length. */
  fittedGrowth?: number;
  /** The fitted line per incarnation (pid), end points in run ms, to draw over the samples. */
  fittedLines?: { pid: number; fromMs: number; toMs: number; fromValue: number; toValue: number }[];
  /** First and last judged values, and the extremes. */
  first?: number;
  last?: number;
  min?: number;
  max?: number;
  boundPerMin?: number;
  verdict: 'leak' | 'ok' | 'not judged' | 'too few samples';
}

export interface ComponentGrowth {
  component: string;
  /** Process ids seen, in order: more than one means it was restarted. */
  pids: number[];
  samples: number;
  warmupSamplesSkipped: number;
  judgedFromMs: number;
  judgedToMs: number;
  metrics: MetricGrowth[];
  /** Event-loop delay p99 over the judged samples: median and worst interval, ms (this process only). */
  loopLagMs?: { median: number; max: number };
  /**
   * What was measured, per incarnation (root pid), when the samples name their processes (a child
   * component read as a process tree: a `--hub-cmd` hub and the `sh -c` it runs under): every
   * process seen in that incarnation, the root first, at most 20.
   */
  incarnations?: { pid: number; container?: { id: string; name: string; memory: 'cgroup' | 'processes' }; processes: { pid: number; command: string }[] }[];
}

/**
 * No slow leak: per component (process) and metric, a least-squares slope
 * over the samples after a warm-up must stay under its bound. A slope over
 * the bound fails only when the growth is also steady: the line explains
 * most of the variance (R², so a GC sawtooth or a lone spike does not fail)
 * and fits better than a single step (so a pool that filled once, or a
 * redeploy's fresh allocations, does not either); a leak keeps growing and
 * meets both. Restarted processes are fitted per incarnation with one shared
 * slope (see trend.ts).
 */
/** What a resource-growth result carries: every component's fitted trends. */
export interface ResourceGrowthEvidence {
  components: ComponentGrowth[];
  warmupFraction: number;
  minR2: number;
}

export const checkResourceGrowth: Checker<ResourceGrowthOptions, ResourceGrowthEvidence> = (input, options) => {
  const bounds = METRICS.filter((m) => options[m.bound] !== undefined).map((m) => `${m.label} ${formatRate(options[m.bound]!, m.bytes)}`);
  const title = `No steady resource growth after warm-up${bounds.length > 0 ? ` (at most ${bounds.join(', ')})` : ''}`;
  const samples = input.events.filter((e): e is ResourceSampleEvent => e.type === 'resource.sample');
  if (samples.length === 0) {
    const reason = 'no resource samples in the history (the run ended before the first one, or the runner did not sample)';
    return { title, status: 'skipped', summary: `skipped: ${reason}`, reason };
  }
  const byComponent = new Map<string, ResourceSampleEvent[]>();
  for (const s of samples) {
    let list = byComponent.get(s.component);
    if (!list) byComponent.set(s.component, (list = []));
    list.push(s);
  }
  const components = [...byComponent].map(([component, list]) => componentGrowth(component, list, options));
  const leaks = components.flatMap((c) => c.metrics.filter((m) => m.verdict === 'leak').map((m) => ({ c, m })));
  const evidence: ResourceGrowthEvidence = {
    components,
    warmupFraction: options.warmupFraction ?? 0.2,
    minR2: options.minR2 ?? 0.5,
  };
  if (leaks.length > 0) {
    return { title, status: 'failed', summary: leaks.map(({ c, m }) => describeLeak(c, m)).join('; '), evidence };
  }
  const judged = components.flatMap((c) => c.metrics.filter((m) => m.verdict === 'ok'));
  if (judged.length === 0 && bounds.length > 0) {
    const reason = `too few samples after the warm-up to judge a trend (need ${options.minSamples ?? 10} per metric): run longer or sample more often`;
    return { title, status: 'skipped', summary: `skipped: ${reason}`, reason };
  }
  return { title, status: 'passed', summary: components.filter((c) => holdsHub(c.component)).map((c) => describeComponent(c, options)).join('; '), evidence };
};

/**
 * Components whose growth can be the hub's: this process (an in-process hub lives in it) and
 * the hub's own process tree. The harness's helpers (fleet shards, Toxiproxy servers) are
 * sampled for their CPU share and reported here, but a leak in them is not the hub failing.
 */
function holdsHub(component: string): boolean {
  // The component names the runner samples under (harness/runtime/resources.ts, runner/start.ts); a checker reads the history only.
  return component === 'harness' || component === 'hub';
}

function componentGrowth(component: string, list: readonly ResourceSampleEvent[], options: ResourceGrowthOptions): ComponentGrowth {
  const warmup = options.warmupFraction ?? 0.2;
  // The warm-up is per incarnation: a restarted process loads and warms up again.
  const pids = [...new Set(list.map((s) => s.pid))];
  const judged = pids.flatMap((pid) => {
    const own = list.filter((s) => s.pid === pid);
    const from = own[0]!.t + warmup * (own[own.length - 1]!.t - own[0]!.t);
    return own.filter((s) => s.t >= from);
  });
  judged.sort((a, b) => a.t - b.t);
  const metrics = METRICS.flatMap(({ metric, bound }) => {
    const points = judged.flatMap((s) => (s[metric] === undefined ? [] : [{ t: s.t, value: s[metric]!, segment: s.pid }]));
    if (points.length === 0) return [];
    return [metricGrowth(metric, points, holdsHub(component) ? options[bound] : undefined, options)];
  });
  const lags = judged.flatMap((s) => (s.loopLagMs === undefined ? [] : [s.loopLagMs])).sort((a, b) => a - b);
  const incarnations = pids.flatMap((pid) => {
    const seen = new Map<number, string>();
    for (const s of list) if (s.pid === pid) for (const p of s.processes ?? []) if (seen.size < MAX_NAMED_PROCESSES && !seen.has(p.pid)) seen.set(p.pid, p.command);
    const container = list.findLast((s) => s.pid === pid && s.container)?.container;
    return seen.size === 0 ? [] : [{ pid, ...(container ? { container } : {}), processes: [...seen].map(([pid, command]) => ({ pid, command })) }];
  });
  return {
    component,
    pids,
    samples: list.length,
    warmupSamplesSkipped: list.length - judged.length,
    judgedFromMs: judged[0]?.t ?? 0,
    judgedToMs: judged[judged.length - 1]?.t ?? 0,
    metrics,
    ...(lags.length > 0 ? { loopLagMs: { median: lags[lags.length >> 1]!, max: lags[lags.length - 1]! } } : {}),
    ...(incarnations.length > 0 ? { incarnations } : {}),
  };
}

function metricGrowth(metric: Metric, points: { t: number; value: number; segment: number }[], bound: number | undefined, options: ResourceGrowthOptions): MetricGrowth {
  const values = points.map((p) => p.value);
  const base = {
    metric,
    samples: points.length,
    first: values[0]!,
    last: values[values.length - 1]!,
    min: Math.min(...values),
    max: Math.max(...values),
    ...(bound === undefined ? {} : { boundPerMin: bound }),
  };
  const trend: Trend | undefined = points.length >= (options.minSamples ?? 10) ? fitTrend(points) : undefined;
  if (!trend) return { ...base, verdict: 'too few samples' };
  const spanMin = (points[points.length - 1]!.t - points[0]!.t) / 60_000;
  const steady = trend.r2 >= (options.minR2 ?? 0.5) && trend.lineVsStepError < 1;
  const verdict = bound === undefined ? 'not judged' : trend.slopePerMin > bound && steady ? 'leak' : 'ok';
  return {
    ...base,
    slopePerMin: round(trend.slopePerMin),
    r2: round(trend.r2, 3),
    lineVsStepError: round(trend.lineVsStepError, 3),
    fittedGrowth: round(trend.slopePerMin * spanMin),
    fittedLines: trend.lines.map((l) => ({ pid: l.segment, fromMs: l.fromMs, toMs: l.toMs, fromValue: round(l.fromValue), toValue: round(l.toValue) })),
    verdict,
  };
}

function describeLeak(c: ComponentGrowth, m: MetricGrowth): string {
  const { label, bytes } = METRICS.find((x) => x.metric === m.metric)!;
  const restarts = c.pids.length > 1 ? ` across ${c.pids.length} incarnations` : '';
  return (
    `${componentLabel(c)} ${label} grows ${formatRate(m.slopePerMin!, bytes)} (R² ${m.r2!.toFixed(2)}, line vs step error ${m.lineVsStepError!.toFixed(2)}; bound ${formatRate(m.boundPerMin!, bytes)})` +
    `: ${formatAmount(m.first!, bytes)} to ${formatAmount(m.last!, bytes)} over ${formatMs(c.judgedToMs - c.judgedFromMs)}${restarts}`
  );
}

function describeComponent(c: ComponentGrowth, options: ResourceGrowthOptions): string {
  const parts = c.metrics
    .filter((m) => m.verdict === 'ok' || m.verdict === 'leak')
    .map((m) => {
      const { label, bytes } = METRICS.find((x) => x.metric === m.metric)!;
      // A slope over its bound that passed says why, so the summary does not read as a missed leak.
      const excuse = m.slopePerMin! > m.boundPerMin! ? (m.r2! < (options.minR2 ?? 0.5) ? ' (not steady)' : ' (a one-time step)') : '';
      return `${label} ${m.slopePerMin! >= 0 ? '+' : ''}${formatRate(m.slopePerMin!, bytes)}${excuse}`;
    });
  return `${componentLabel(c)}: ${parts.join(', ') || 'nothing judged'} over ${formatMs(c.judgedToMs - c.judgedFromMs)} (${c.samples} samples)`;
}

const MIB = 1024 * 1024;
/** Processes named per incarnation in the evidence: a hub that forks workers per connection could have thousands. */
const MAX_NAMED_PROCESSES = 20;

/**
 * The component and, when its samples name them, the processes of its latest incarnation:
 * `hub (python3 hub.py, pid 1240, under sh -c, pid 1234)`. What grew is the hub's own
 * process, so it comes first; the shell it runs under is named by what it is.
 */
function componentLabel(c: ComponentGrowth): string {
  const latest = c.incarnations?.at(-1);
  if (!latest) return c.component;
  if (latest.container) return `${c.component} (${containerLabel(latest.container, latest.processes)})`;
  const [root, ...below] = latest.processes;
  if (below.length === 0) return `${c.component} (${shortCommand(root!.command)}, pid ${root!.pid})`;
  const tokens = root!.command.split(' ');
  const rootName = tokens[1] === '-c' ? `${baseName(tokens[0]!)} -c` : shortCommand(root!.command);
  return `${c.component} (${below.map((p) => `${shortCommand(p.command)}, pid ${p.pid}`).join('; ')}, under ${rootName}, pid ${root!.pid})`;
}

/**
 * `container hub-x 58b0e068332d, cgroup memory: node --import tsx server/main.ts, pid 10064;
 * docker-init, pid 10054`: the container first, as the engine lists it, then its processes,
 * its init (docker-init or tini, which only waits) last and by its name alone.
 */
function containerLabel(container: { id: string; name: string; memory: 'cgroup' | 'processes' }, processes: readonly { pid: number; command: string }[]): string {
  const [init, ...rest] = processes;
  const named = [...rest.map((p) => `${shortCommand(p.command)}, pid ${p.pid}`), ...(init ? [`${rest.length > 0 ? baseName(init.command.split(' ')[0]!) : shortCommand(init.command)}, pid ${init.pid}`] : [])];
  const memory = container.memory === 'cgroup' ? 'cgroup memory' : 'memory of its processes';
  return `container ${container.name} ${container.id.slice(0, 12)}, ${memory}: ${named.join('; ')}`;
}

/** A command line for a summary: paths cut to their file names (URLs kept), at most 80 characters. */
function shortCommand(command: string): string {
  const short = command
    .split(' ')
    .map((token) => (token.includes('/') && !token.includes('://') ? baseName(token) : token))
    .join(' ');
  return short.length > 80 ? `${short.slice(0, 79)}…` : short;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

function formatAmount(value: number, bytes: boolean): string {
  return bytes ? `${(value / MIB).toFixed(1)} MiB` : String(Math.round(value));
}

function formatRate(perMin: number, bytes: boolean): string {
  return bytes ? `${(perMin / MIB).toFixed(2)} MiB/min` : `${perMin.toFixed(1)}/min`;
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
