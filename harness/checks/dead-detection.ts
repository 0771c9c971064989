import { GroupMap, faultWindows } from './fault-windows.ts';
import { distribution, formatMs } from './stats.ts';
import type { Checker } from './types.ts';

export interface DeadDetectionOptions {
  /** Agents must notice a silent link within this long of it going silent, ms (2.5 ping intervals plus slack). */
  withinMs: number;
}

/**
 * Half-open links: when a blackhole fault starts, every agent it hits that
 * was connected must give up on the silent connection (its liveness check
 * fires, or the link closes) within the bound.
 */
export const checkDeadDetection: Checker<DeadDetectionOptions> = (input, { withinMs }) => {
  const title = `Silent connections detected within ${formatMs(withinMs)}`;
  const groups = new GroupMap(input.groups ?? [], input.agents);
  const windows = faultWindows(input.events, input.endMs).filter((w) => w.kind === 'blackhole');
  if (windows.length === 0) return { title, status: 'skipped', summary: 'skipped: no blackhole fault in the run', reason: 'no blackhole fault in the run' };
  const times: number[] = [];
  const undetected: { agent: string; fault: string }[] = [];
  let ws_dead = 0;
  for (const w of windows) {
    const connected = new Map<string, boolean>();
    const detectedAt = new Map<string, number>();
    for (const e of input.events) {
      if (!('agent' in e) || !groups.hits(w, e.agent)) continue;
      if (e.t <= w.fromMs) {
        if (e.type === 'ws.open') connected.set(e.agent, true);
        else if (e.type === 'ws.close') connected.set(e.agent, false);
      } else if ((e.type === 'ws.dead' || e.type === 'ws.close') && !detectedAt.has(e.agent) && e.t <= w.toMs + withinMs) {
        detectedAt.set(e.agent, e.t - w.fromMs);
        if (e.type === 'ws.dead') ws_dead++;
      }
    }
    for (const [agent, isConnected] of connected) {
      if (!isConnected) continue;
      const t = detectedAt.get(agent);
      if (t === undefined || t > withinMs) undetected.push({ agent, fault: w.fault });
      if (t !== undefined) times.push(t);
    }
  }
  const dist = distribution(times);
  const evidence = { withinMs, detection: dist, byLivenessCheck: ws_dead, undetected: undetected.slice(0, 20) };
  if (times.length === 0 && undetected.length === 0) {
    return { title, status: 'skipped', summary: 'skipped: no agent was connected when the link went silent', reason: 'no agent was connected when the link went silent' };
  }
  if (undetected.length > 0) {
    // The agents' own liveness timers were late: from each silent link's start to its bound.
    const late = new Set(undetected.map((u) => u.fault));
    const lateDuring = windows.filter((w) => late.has(w.fault)).map((w) => ({ fromMs: w.fromMs, toMs: w.fromMs + withinMs }));
    return { title, status: 'failed', summary: `${undetected.length} agent(s) did not detect the silent link within ${formatMs(withinMs)} (${undetected.slice(0, 5).map((u) => u.agent).join(', ')})`, evidence, lateDuring };
  }
  return { title, status: 'passed', summary: `${times.length} agent(s) detected it: p50 ${formatMs(dist!.p50Ms)}, max ${formatMs(dist!.maxMs)}`, evidence };
};
