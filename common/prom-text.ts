/** A parsed Prometheus text exposition: enough to read counters, gauges and histogram buckets. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export class MetricSamples {
  readonly samples: MetricSample[];
  /** Each family's `# TYPE`, by family name (a histogram's `_bucket`, `_sum` and `_count` belong to its family). */
  readonly types: ReadonlyMap<string, MetricType>;

  constructor(samples: MetricSample[], types: ReadonlyMap<string, MetricType> = new Map()) {
    this.samples = samples;
    this.types = types;
  }

  /** The type of the family a sample name belongs to. */
  typeOf(name: string): MetricType {
    const direct = this.types.get(name);
    if (direct) return direct;
    const family = name.replace(/_(bucket|sum|count|total)$/, '');
    return this.types.get(family) ?? (name.endsWith('_total') ? 'counter' : 'untyped');
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }

  /** Sum of every sample of `name` whose labels include `match`; undefined when there is none. */
  sum(name: string, match: Record<string, string> = {}): number | undefined {
    let total: number | undefined;
    for (const s of this.samples) {
      if (s.name !== name) continue;
      if (Object.entries(match).some(([k, v]) => s.labels[k] !== v)) continue;
      total = (total ?? 0) + s.value;
    }
    return total;
  }

  byLabel(name: string, label: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.samples) if (s.name === name) out.set(s.labels[label] ?? '', (out.get(s.labels[label] ?? '') ?? 0) + s.value);
    return out;
  }
}

const LINE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL_RE = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const TYPE_RE = /^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(counter|gauge|histogram|summary|untyped)\s*$/;
/** Labels whose values are numbers: `le="1"` and `le="1.0"` name the same bucket, as Prometheus reads them. */
const NUMERIC_LABELS = new Set(['le', 'quantile']);

function canonicalNumber(text: string): string {
  const n = Number(text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : text);
  return Number.isNaN(n) ? text : n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(n);
}

export function parsePrometheusText(text: string): MetricSamples {
  const samples: MetricSample[] = [];
  const types = new Map<string, MetricType>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      const type = TYPE_RE.exec(line);
      if (type) types.set(type[1]!, type[2] as MetricType);
      continue;
    }
    if (line === '') continue;
    const match = LINE_RE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL_RE)) {
      // One pass, so an escaped backslash followed by "n" stays a backslash and an "n".
      const value = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      labels[key!] = NUMERIC_LABELS.has(key!) ? canonicalNumber(value) : value;
    }
    const value = Number(match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return new MetricSamples(samples, types);
}

function seriesKey(s: MetricSample): string {
  return `${s.name}\u0000${Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join('\u0000')}`;
}

/**
 * What changed between two scrapes of one process: counters, histograms and
 * summaries as `to - from` (a series new in `to` counts from 0; a counter
 * that went down means the process restarted, and counts from 0 again);
 * gauges as `to - from` too, so a value that was there before (another
 * device's pending command on a shared hub) is not the run's.
 */
export function metricDelta(from: MetricSamples, to: MetricSamples): MetricSamples {
  const before = new Map(from.samples.map((s) => [seriesKey(s), s.value]));
  const out = to.samples.map((s) => {
    const was = before.get(seriesKey(s)) ?? 0;
    const counterLike = to.typeOf(s.name) !== 'gauge';
    const value = counterLike && s.value < was ? s.value : s.value - was;
    return { ...s, value };
  });
  return new MetricSamples(out, to.types);
}

/** `counters`' counter, histogram and summary series with `gauges`' gauge series: a gauge's change is its last value against the first, whatever ran in between. */
export function withGaugesFrom(counters: MetricSamples, gauges: MetricSamples): MetricSamples {
  const kept = counters.samples.filter((s) => counters.typeOf(s.name) !== 'gauge');
  const gaugeSamples = gauges.samples.filter((s) => gauges.typeOf(s.name) === 'gauge');
  return new MetricSamples([...kept, ...gaugeSamples], new Map([...counters.types, ...gauges.types]));
}

/** Sums series by name and labels: the changes of several hub incarnations as one. */
export function metricSum(parts: readonly MetricSamples[]): MetricSamples {
  const total = new Map<string, MetricSample>();
  const types = new Map<string, MetricType>();
  for (const part of parts) {
    for (const [k, v] of part.types) types.set(k, v);
    for (const s of part.samples) {
      const key = seriesKey(s);
      const have = total.get(key);
      total.set(key, have ? { ...have, value: have.value + s.value } : { ...s });
    }
  }
  return new MetricSamples([...total.values()], types);
}
