import type { HoldMeasurement, HoldSummary } from './results.ts';

/** Several runs of one side reduced to a median and a spread, figure by figure. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

type Figure = Exclude<keyof HoldMeasurement, 'agents'>;
const FIGURES: readonly Figure[] = [
  'connectMs',
  'agentsPerSecond',
  'failedAttempts',
  'rssPerConnectionBytes',
  'heapPerConnectionBytes',
  'connectCpuMsPerConnection',
  'idleCpuPercent',
];

/**
 * Each figure's median, smallest and largest over the runs, each on its own
 * (so the median RSS and the median rate may come from different runs): one
 * noisy run moves no figure. A figure some run lacks is left out.
 */
export function summarize(runs: readonly HoldMeasurement[]): HoldSummary {
  if (runs.length === 0) throw new Error('summarize: no runs');
  const pick = (reduce: (values: number[]) => number): HoldMeasurement => {
    const out: Partial<Record<Figure, number>> = {};
    for (const figure of FIGURES) {
      const values = runs.map((run) => run[figure]).filter((value): value is number => value !== undefined);
      if (values.length === runs.length) out[figure] = reduce(values);
    }
    return { ...out, agents: runs[0]!.agents } as HoldMeasurement;
  };
  return {
    median: pick(median),
    min: pick((values) => Math.min(...values)),
    max: pick((values) => Math.max(...values)),
    runs: [...runs],
  };
}
