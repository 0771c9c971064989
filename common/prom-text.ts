/** A parsed Prometheus text exposition: enough to read counters, gauges and histogram buckets. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export class MetricSamples {
  readonly samples: MetricSample[];

  constructor(samples: MetricSample[]) {
    this.samples = samples;
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

export function parsePrometheusText(text: string): MetricSamples {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE_RE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL_RE)) {
      // One pass, so an escaped backslash followed by "n" stays a backslash and an "n".
      labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = Number(match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return new MetricSamples(samples);
}
