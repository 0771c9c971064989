import type { HoldMeasurement, HoldPoint, HoldSummary } from './results.ts';
import { SOCKET_IO_RSS_BOUND, type HolderSide } from './sides.ts';

/** Several runs of one side reduced to a median and a spread, figure by figure. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export type Figure = Exclude<keyof HoldMeasurement, 'agents'>;
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

/** A side's summary at a point, when it was measured. */
export function sideSummary(point: HoldPoint, side: HolderSide): HoldSummary | undefined {
  const outcome = point[side];
  return outcome.status === 'measured' ? outcome.value : undefined;
}

/**
 * One figure's median on one side over its median on another, at one point;
 * undefined where either has no figure or the base is zero.
 */
export function sideRatio(point: HoldPoint, side: HolderSide, base: HolderSide, figure: Figure): number | undefined {
  const top = sideSummary(point, side)?.median[figure];
  const bottom = sideSummary(point, base)?.median[figure];
  return top === undefined || bottom === undefined || bottom === 0 ? undefined : top / bottom;
}

/** The RSS-per-agent ratios the report states, each of two medians from one bench run. */
export interface RssRatios {
  /** The v1 Fleet over bare ws: what the Fleet adds to a bare socket. */
  fleetPerBare: number | undefined;
  /** The Fleet on the custom JSON profile over the v1 Fleet. */
  jsonPerV1: number | undefined;
  /** The Fleet on Socket.IO over the v1 Fleet: the acceptance bounds it at SOCKET_IO_RSS_BOUND. */
  socketIoPerV1: number | undefined;
}

export function rssRatios(point: HoldPoint): RssRatios {
  return {
    fleetPerBare: sideRatio(point, 'fleet', 'bare', 'rssPerConnectionBytes'),
    jsonPerV1: sideRatio(point, 'json', 'fleet', 'rssPerConnectionBytes'),
    socketIoPerV1: sideRatio(point, 'socketio', 'fleet', 'rssPerConnectionBytes'),
  };
}

/** Whether the Socket.IO fleet keeps within its bound; undefined when the ratio was not measured. */
export function socketIoWithinBound(ratios: RssRatios, bound = SOCKET_IO_RSS_BOUND): boolean | undefined {
  return ratios.socketIoPerV1 === undefined ? undefined : ratios.socketIoPerV1 <= bound;
}
