import { GroupMap, faultWindows } from './fault-windows.ts';
import type { Checker } from './types.ts';

export interface FaultEffectOptions {
  /** How long after a fault heals its effects may still show, ms. Default 1_000. */
  graceMs?: number;
}

const DISRUPTIVE = new Set(['partition', 'flap', 'reset', 'blackhole', 'redeploy:graceful', 'redeploy:crash', 'redeploy:rolling', 'redeploy:slow-start']);

/**
 * Guards against a green run that proves nothing: every disruptive fault
 * must visibly hit the agents behind it (a disconnect, a dead link, a failed
 * connect or a failed poll), and only those agents.
 */
export const checkFaultEffect: Checker<FaultEffectOptions> = (input, options) => {
  const title = 'Every disruptive fault visibly hit its agents';
  const graceMs = options.graceMs ?? 1_000;
  const groups = new GroupMap(input.groups ?? [], input.agents);
  const windows = faultWindows(input.events, input.endMs).filter((w) => DISRUPTIVE.has(w.kind));
  if (windows.length === 0) return { title, status: 'skipped', summary: 'skipped: no disruptive fault in the run', reason: 'no disruptive fault in the run' };
  const byFault = new Map<string, { fault: string; kind: string; target: string; windows: number; agentsHit: Set<string>; disconnects: number; failedConnects: number; failedPolls: number }>();
  for (const w of windows) {
    const entry = byFault.get(w.fault) ?? { fault: w.fault, kind: w.kind, target: w.target, windows: 0, agentsHit: new Set<string>(), disconnects: 0, failedConnects: 0, failedPolls: 0 };
    entry.windows++;
    byFault.set(w.fault, entry);
    for (const e of input.events) {
      if (e.t < w.fromMs || e.t > w.toMs + graceMs || !('agent' in e) || !groups.hits(w, e.agent)) continue;
      if (e.type === 'ws.close' && e.by !== 'stop') entry.disconnects++;
      else if (e.type === 'ws.failed') entry.failedConnects++;
      else if (e.type === 'poll' && !e.ok) entry.failedPolls++;
      else continue;
      entry.agentsHit.add(e.agent);
    }
  }
  const faults = [...byFault.values()].map(({ agentsHit, ...rest }) => ({ ...rest, agentsHit: agentsHit.size, agentsBehind: groups.agentsHit(rest.target).length }));
  const idle = faults.filter((f) => f.agentsHit === 0 && f.agentsBehind > 0);
  const evidence = { graceMs, faults };
  if (idle.length > 0) {
    return { title, status: 'failed', summary: `fault(s) ${idle.map((f) => f.fault).join(', ')} changed nothing the agents saw: the fault did not reach them`, evidence };
  }
  return {
    title,
    status: 'passed',
    summary: faults.map((f) => `${f.fault}: ${f.agentsHit}/${f.agentsBehind} agents hit (${f.disconnects} disconnects, ${f.failedConnects} failed connects, ${f.failedPolls} failed polls)`).join('; '),
    evidence,
  };
};
