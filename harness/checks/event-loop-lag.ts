import { formatMs } from './stats.ts';
import type { Checker } from './types.ts';

export interface EventLoopLagOptions {
  /**
   * Highest p99 event loop delay allowed in any sampling interval, ms. Default
   * 1_000: past a second the times the harness records and the timers it fires
   * (backoff, liveness, the timeline) are off by more than the checks can bear.
   */
  maxMs?: number;
  /** The process judged. Default 'harness' (this process). */
  component?: string;
  /** Samples taken before this many ms are ignored (start-up). Default 0. */
  afterMs?: number;
  /**
   * Share of intervals that may go over, for a long run on a shared machine
   * (one GC pause or a neighbour's burst in five minutes is not a verdict).
   * Default 0.02: none in a run of under 50 intervals.
   */
  toleratedShare?: number;
}

/**
 * The harness must stay responsive while it drives a big fleet: a lagging
 * event loop delays every timestamp it records and every timer it fires, and
 * then the history itself is wrong. Reads the sampler's per-interval p99.
 */
export const checkEventLoopLag: Checker<EventLoopLagOptions> = (input, { maxMs = 1_000, component = 'harness', afterMs = 0, toleratedShare = 0.02 }) => {
  const title = `${component} event loop p99 delay under ${formatMs(maxMs)}`;
  const samples = input.events.flatMap((e) => (e.type === 'resource.sample' && e.component === component && e.loopLagMs !== undefined && e.t >= afterMs ? [{ t: e.t, lagMs: e.loopLagMs }] : []));
  if (samples.length === 0) return { title, status: 'skipped', summary: `skipped: no event loop samples for ${component}`, reason: `no event loop samples for ${component}` };
  const worst = samples.reduce((a, b) => (b.lagMs > a.lagMs ? b : a));
  const over = samples.filter((s) => s.lagMs > maxMs);
  const sorted = samples.map((s) => s.lagMs).sort((a, b) => a - b);
  const tolerated = Math.floor(samples.length * toleratedShare);
  const evidence = { maxMs, samples: samples.length, medianP99Ms: sorted[Math.floor(sorted.length / 2)], worstP99Ms: worst.lagMs, worstAtMs: Math.round(worst.t), intervalsOver: over.length, intervalsTolerated: tolerated };
  if (over.length <= tolerated) {
    const note = over.length > 0 ? ` (${over.length} interval(s) over ${formatMs(maxMs)}, within the ${tolerated} tolerated)` : '';
    return { title, status: 'passed', summary: `worst p99 ${formatMs(worst.lagMs)} over ${samples.length} intervals${note}`, evidence };
  }
  return { title, status: 'failed', summary: `p99 delay reached ${formatMs(worst.lagMs)} at ${formatMs(worst.t)} (${over.length} of ${samples.length} intervals over ${formatMs(maxMs)})`, evidence };
};
