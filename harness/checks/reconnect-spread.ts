import { faultWindows } from './fault-windows.ts';
import { formatMs } from './stats.ts';
import type { Checker } from './types.ts';

export interface ReconnectSpreadOptions {
  /** Most of a redeploy's reconnect attempts that may fall in any one slice of time. Default 0.3. */
  maxShare?: number;
  /** The slice, ms. Default 100. */
  sliceMs?: number;
  /** How long after a redeploy begins its reconnects are counted, ms. Default 30_000. */
  horizonMs?: number;
}

/**
 * A fleet that drops together must not come back together: after each
 * redeploy, the busiest slice of time may hold only a share of the
 * reconnect attempts. Jittered backoff spreads them over its window;
 * without jitter they land in one instant (a thundering herd).
 */
/** One redeploy's reconnect attempts and how bunched they were. */
export interface RedeploySpread {
  redeploy: string;
  attempts: number;
  busiestSlice: number;
  busiestShare: number;
  busiestAtMs: number;
  spreadMs: number;
  peakPerSecond: number;
}

export interface ReconnectSpreadEvidence {
  maxShare: number;
  sliceMs: number;
  redeploys: RedeploySpread[];
}

export const checkReconnectSpread: Checker<ReconnectSpreadOptions, ReconnectSpreadEvidence> = (input, options) => {
  const maxShare = options.maxShare ?? 0.3;
  const sliceMs = options.sliceMs ?? 100;
  const horizonMs = options.horizonMs ?? 30_000;
  const id = 'reconnect-spread';
  const title = `Reconnects after a redeploy spread out (at most ${Math.round(maxShare * 100)}% in any ${formatMs(sliceMs)})`;
  const redeploys = faultWindows(input.events, input.endMs).filter((w) => w.kind.startsWith('redeploy:'));
  if (redeploys.length === 0) return { id, title, status: 'skipped', summary: 'skipped: no redeploy in the run', reason: 'no redeploy in the run' };
  const perRedeploy = redeploys.map((w): RedeploySpread => {
    const times = input.events
      .filter((e) => e.type === 'ws.connecting' && e.attempt > 0 && e.t >= w.fromMs && e.t <= w.fromMs + horizonMs)
      .map((e) => e.t)
      .sort((a, b) => a - b);
    let busiest = 0;
    let busiestAt = 0;
    for (let start = 0, end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= sliceMs) start++;
      if (end - start + 1 > busiest) [busiest, busiestAt] = [end - start + 1, times[start]!];
    }
    const perSecond = new Map<number, number>();
    for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    return {
      redeploy: w.fault,
      attempts: times.length,
      busiestSlice: busiest,
      busiestShare: times.length ? Math.round((busiest / times.length) * 1000) / 1000 : 0,
      busiestAtMs: Math.round(busiestAt),
      spreadMs: times.length ? Math.round(times[times.length - 1]! - times[0]!) : 0,
      peakPerSecond: Math.max(0, ...perSecond.values()),
    };
  });
  const counted = perRedeploy.filter((r) => r.attempts >= 10);
  const evidence: ReconnectSpreadEvidence = { maxShare, sliceMs, redeploys: perRedeploy };
  if (counted.length === 0) return { id, title, status: 'skipped', summary: 'skipped: too few reconnects after any redeploy to judge (need 10)', reason: 'too few reconnects after any redeploy to judge (need 10)' };
  const bad = counted.filter((r) => r.busiestShare > maxShare);
  const describe = (r: RedeploySpread) =>
    `${r.redeploy}: ${r.attempts} attempts over ${formatMs(r.spreadMs)}, busiest ${formatMs(sliceMs)} held ${Math.round(r.busiestShare * 100)}%, peak ${r.peakPerSecond}/s`;
  if (bad.length > 0) return { id, title, status: 'failed', summary: `thundering herd: ${bad.map(describe).join('; ')}`, evidence };
  return { id, title, status: 'passed', summary: counted.map(describe).join('; '), evidence };
};
