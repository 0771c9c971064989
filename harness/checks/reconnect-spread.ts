import { faultWindows } from './fault-windows.ts';
import { busiestSliceTailBound, formatProbability, improbableBusiestCount, minimumSample } from './scan-statistic.ts';
import { formatMs } from './stats.ts';
import type { Checker } from './types.ts';

/**
 * The chance of a false alarm we accept per run: a healthy jittered fleet
 * fails this check at most once in 10,000 runs (the bound is conservative, so
 * less often), while a herd is still caught from a handful of agents: 7 in one
 * 100 ms slice of a 1 s jitter window is already below it. Split evenly
 * over a run's redeploys, so more redeploys do not mean more false alarms.
 */
export const SPREAD_SIGNIFICANCE = 1e-4;

/**
 * The longest the harness's event loop may stall while a fleet of `agents`
 * reconnects before the spread check could miss a herd. Attempts are placed
 * when they were due, and a stall does not move that; what it moves is when
 * the agents see their closes (a stalled loop delivers them in one burst
 * after it, one by one as it works through them), and a herd's due times
 * spread as wide as that burst. Spread over S ms, a herd of n lands at most
 * n·slice/(S + slice) in one slice; it still fails the check while that is at
 * least the failing count k, so S may be up to slice·(n/k − 1): 461 ms for
 * 500 agents over a 1 s window in 100 ms slices, 334 ms for 200, 25 ms for 10.
 * Undefined when the fleet is too small for the check to judge at all.
 */
export function herdMaskingStallMs(agents: number, windowMs: number, sliceMs = 100, redeploys = 1): number | undefined {
  const k = improbableBusiestCount(agents, sliceMs, windowMs, SPREAD_SIGNIFICANCE / Math.max(1, redeploys));
  if (!Number.isFinite(k)) return undefined;
  return Math.floor(sliceMs * (agents / k - 1));
}

export interface ReconnectSpreadOptions {
  /**
   * The jitter window, ms: the narrowest spread the agents' full-jitter
   * backoff gives one reconnect (first attempt's ceiling minus its floor).
   * The scenario derives it from its backoff settings.
   */
  windowMs: number;
  /** The slice, ms. Default 100. */
  sliceMs?: number;
  /** How long after a redeploy begins its reconnects are counted, ms. Default 30_000. */
  horizonMs?: number;
}

/** One redeploy's first reconnect attempts and how bunched they were. */
export interface RedeploySpread {
  redeploy: string;
  /** Agents dropped after the redeploy began that tried again: each one's first attempt (n). */
  attempts: number;
  /** The most attempts in one slice (k), by when each was due (the agent's schedule). */
  busiestSlice: number;
  /** The most in one slice by when the attempts ran: more than busiestSlice when the harness fell behind. */
  observedBusiestSlice: number;
  /** The most an attempt ran after it was due, ms (the harness's own lateness). */
  lateMaxMs: number;
  busiestShare: number;
  busiestAtMs: number;
  spreadMs: number;
  peakPerSecond: number;
  /** Upper bound on the chance that jittered agents put this many in one slice. */
  pBound: number;
  /** The busiest-slice count at which this many attempts would fail; absent below the minimum sample. */
  failsAtCount?: number;
  /** Judged, or too few attempts for any count to be improbable. */
  judged: boolean;
}

export interface ReconnectSpreadEvidence {
  sliceMs: number;
  windowMs: number;
  /** The p bound below which a redeploy fails (SPREAD_SIGNIFICANCE split over the redeploys). */
  significance: number;
  /** The fewest attempts at which all of them in one slice would fail. */
  minimumSample: number;
  redeploys: RedeploySpread[];
}

/**
 * A fleet that drops together must not come back together. Full jitter
 * spreads each agent's reconnect uniformly over its window, so the busiest
 * slice of time holds a count whose chance has a known bound (a scan
 * statistic, scan-statistic.ts); a redeploy fails only when that chance is
 * below SPREAD_SIGNIFICANCE. Without jitter the whole fleet lands in one
 * instant (a thundering herd), which jitter would almost never do.
 *
 * Each agent counts once per redeploy: its first reconnect attempt after its
 * first drop since the redeploy began. That attempt's delay was drawn at the
 * drop, so it alone is uniform over the window whatever came before; later
 * attempts depend on the earlier ones.
 *
 * An attempt is placed at the time it was due (its reconnect.scheduled event
 * plus the delay), or when it ran if the history holds no schedule. A harness
 * whose event loop stalls runs every timer due meanwhile in one burst: that
 * burst is the harness's, and event-loop-lag judges it; the agents' schedule
 * is what shows whether they jitter.
 */
export const checkReconnectSpread: Checker<ReconnectSpreadOptions, ReconnectSpreadEvidence> = (input, options) => {
  const { windowMs } = options;
  const sliceMs = options.sliceMs ?? 100;
  const horizonMs = options.horizonMs ?? 30_000;
  const title = `Reconnects after a redeploy spread over the ${formatMs(windowMs)} jitter window (no ${formatMs(sliceMs)} slice busier than jitter allows, p < ${formatProbability(SPREAD_SIGNIFICANCE)})`;
  const skip = (reason: string) => ({ title, status: 'skipped' as const, summary: `skipped: ${reason}`, reason });
  if (!(windowMs > 0 && sliceMs > 0)) return skip(`no jitter window to judge against (windowMs ${windowMs}, sliceMs ${sliceMs})`);
  const redeploys = faultWindows(input.events, input.endMs).filter((w) => w.kind.startsWith('redeploy:'));
  if (redeploys.length === 0) return skip('no redeploy in the run');
  const significance = SPREAD_SIGNIFICANCE / redeploys.length;
  const minSample = minimumSample(sliceMs, windowMs, significance);
  if (!Number.isFinite(minSample)) return skip(`a ${formatMs(sliceMs)} slice is too wide for a ${formatMs(windowMs)} jitter window: no count in it would be improbable`);

  const perRedeploy = redeploys.map((w): RedeploySpread => {
    const until = w.fromMs + horizonMs;
    const droppedAt = new Map<string, number>();
    const scheduled = new Map<string, { attempt: number; dueMs: number }>();
    const firstAttempt = new Map<string, { ranMs: number; dueMs: number }>();
    for (const e of input.events) {
      if (e.t < w.fromMs || e.t > until || !('agent' in e)) continue;
      const dropped = (e.type === 'ws.close' && e.by !== 'stop') || e.type === 'ws.failed';
      if (dropped && !droppedAt.has(e.agent)) droppedAt.set(e.agent, e.t);
      else if (e.type === 'reconnect.scheduled' && droppedAt.has(e.agent)) scheduled.set(e.agent, { attempt: e.attempt, dueMs: e.t + e.delayMs });
      else if (e.type === 'ws.connecting' && e.attempt > 0 && droppedAt.has(e.agent) && !firstAttempt.has(e.agent)) {
        const schedule = scheduled.get(e.agent);
        firstAttempt.set(e.agent, { ranMs: e.t, dueMs: schedule?.attempt === e.attempt ? Math.min(schedule.dueMs, e.t) : e.t });
      }
    }
    const attemptsMade = [...firstAttempt.values()];
    const times = attemptsMade.map((a) => a.dueMs).sort((a, b) => a - b);
    const [busiest, busiestAt] = busiestSlice(times, sliceMs);
    const [observedBusiest] = busiestSlice(attemptsMade.map((a) => a.ranMs).sort((a, b) => a - b), sliceMs);
    const perSecond = new Map<number, number>();
    for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    return {
      redeploy: w.fault,
      attempts: times.length,
      busiestSlice: busiest,
      observedBusiestSlice: observedBusiest,
      lateMaxMs: Math.round(Math.max(0, ...attemptsMade.map((a) => a.ranMs - a.dueMs))),
      busiestShare: times.length ? Math.round((busiest / times.length) * 1000) / 1000 : 0,
      busiestAtMs: Math.round(busiestAt),
      spreadMs: times.length ? Math.round(times[times.length - 1]! - times[0]!) : 0,
      peakPerSecond: Math.max(0, ...perSecond.values()),
      pBound: busiestSliceTailBound(times.length, busiest, sliceMs, windowMs),
      judged: times.length >= minSample,
      ...(times.length >= minSample ? { failsAtCount: improbableBusiestCount(times.length, sliceMs, windowMs, significance) } : {}),
    };
  });
  const evidence: ReconnectSpreadEvidence = { sliceMs, windowMs, significance, minimumSample: minSample, redeploys: perRedeploy };
  const counted = perRedeploy.filter((r) => r.judged);
  if (counted.length === 0) {
    const most = Math.max(...perRedeploy.map((r) => r.attempts));
    return skip(
      `too few reconnects to judge (at most ${most} after a redeploy, need ${minSample}): fewer than ${minSample} in one ${formatMs(sliceMs)} slice can happen by chance under a ${formatMs(windowMs)} jitter window`,
    );
  }
  const bad = counted.filter((r) => r.pBound < significance);
  const attempts = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;
  const describe = (r: RedeploySpread) =>
    `${r.redeploy}: ${attempts(r.attempts)} over ${formatMs(r.spreadMs)}, busiest ${formatMs(sliceMs)} held ${r.busiestSlice} (${Math.round(r.busiestShare * 100)}%; ` +
    `${r.failsAtCount} would be a herd), p <= ${formatProbability(r.pBound)}` +
    (r.lateMaxMs >= sliceMs ? `; attempts ran up to ${formatMs(r.lateMaxMs)} late (the harness fell behind); judged by when they were due` : '');
  const unjudged = perRedeploy.filter((r) => !r.judged).map((r) => `${r.redeploy}: ${attempts(r.attempts)}, too few to judge (need ${minSample})`);
  const rest = unjudged.length ? `; ${unjudged.join('; ')}` : '';
  if (bad.length > 0) {
    return { title, status: 'failed', summary: `thundering herd: ${bad.map(describe).join('; ')} (jitter over ${formatMs(windowMs)} would do that with p < ${formatProbability(significance)})${rest}`, evidence };
  }
  return { title, status: 'passed', summary: `${counted.map(describe).join('; ')}${rest}`, evidence };
};

/** The most of the sorted times in any half-open slice [t, t + sliceMs), and where that slice starts. */
function busiestSlice(sorted: readonly number[], sliceMs: number): [count: number, atMs: number] {
  let busiest = 0;
  let busiestAt = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= sliceMs) start++;
    if (end - start + 1 > busiest) [busiest, busiestAt] = [end - start + 1, sorted[start]!];
  }
  return [busiest, busiestAt];
}
