import { percentile } from '../../common/stats.ts';

export interface Distribution {
  count: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export function distribution(values: readonly number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    minMs: sorted[0]!,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted[sorted.length - 1]!,
  };
}

/** "1.2 s", "340 ms", "3 min": for summaries a person reads. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function groupByAgent<E extends { agent?: string }>(events: readonly E[]): Map<string, E[]> {
  const out = new Map<string, E[]>();
  for (const e of events) {
    if (e.agent === undefined) continue;
    let list = out.get(e.agent);
    if (!list) out.set(e.agent, (list = []));
    list.push(e);
  }
  return out;
}
