import { formatMs } from './stats.ts';
import type { Checker } from './types.ts';

export interface ReconnectStormOptions {
  /** The agents' smallest backoff delay, ms: no agent may retry faster than this on average. */
  minBackoffMs: number;
  /** Sliding window the per-agent bound is checked over, ms. Default 10_000. */
  windowMs?: number;
}

/**
 * No storm: reconnect attempts stay bounded by the backoff. Within any
 * window, an agent may try at most window / minBackoff + 1 times. Also
 * reports the fleet's peak attempts per second.
 */
export const checkReconnectStorm: Checker<ReconnectStormOptions> = (input, { minBackoffMs, windowMs = 10_000 }) => {
  const limit = Math.floor(windowMs / minBackoffMs) + 1;
  const title = `Reconnect attempts bounded by backoff (at most ${limit} per agent in any ${formatMs(windowMs)})`;
  const attempts = new Map<string, number[]>();
  const perSecond = new Map<number, number>();
  for (const e of input.events) {
    if (e.type !== 'ws.connecting' || e.attempt === 0) continue;
    let list = attempts.get(e.agent);
    if (!list) attempts.set(e.agent, (list = []));
    list.push(e.t);
    const second = Math.floor(e.t / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  let worst = { agent: '', count: 0, atMs: 0 };
  for (const [agent, times] of attempts) {
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= windowMs) start++;
      if (end - start + 1 > worst.count) worst = { agent, count: end - start + 1, atMs: Math.round(times[start]!) };
    }
  }
  const total = [...attempts.values()].reduce((s, l) => s + l.length, 0);
  const [peakSecond, peak] = [...perSecond].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
  const evidence = { limitPerAgentPerWindow: limit, windowMs, totalAttempts: total, worstAgent: worst, fleetPeakPerSecond: peak, fleetPeakAtMs: peakSecond * 1000 };
  if (worst.count <= limit) {
    return { title, status: 'passed', summary: `${total} reconnect attempt(s); busiest agent ${worst.count} in ${formatMs(windowMs)}; fleet peak ${peak}/s`, evidence };
  }
  return { title, status: 'failed', summary: `${worst.agent} tried ${worst.count} times in ${formatMs(windowMs)} from ${formatMs(worst.atMs)} (limit ${limit}): a reconnect storm`, evidence };
};
