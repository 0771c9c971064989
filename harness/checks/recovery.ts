import { GroupMap, faultWindows } from './fault-windows.ts';
import { percentile } from '../../common/stats.ts';
import { formatMs } from './stats.ts';
import type { Checker } from './types.ts';

/**
 * A disruption's drops can be recorded a little after it ends: a hub that
 * restarts in milliseconds is back before its old sockets finish closing.
 */
const DROP_GRACE_MS = 2_000;

export interface RecoveryOptions {
  /** Share of the agents a fault hit that must be connected again, percent. Default 100. */
  percent?: number;
  /** ...within this long after the fault heals (or the redeployed hub is up), ms. */
  withinMs: number;
  /** A tighter bound for a smaller share, e.g. { percent: 95, withinMs: 5_000 }. */
  earlier?: { percent: number; withinMs: number };
}

/**
 * Time to recover: after each fault heals, how long until the given share of
 * the agents it hit are connected again. An agent already connected when the
 * fault heals counts as back at once.
 */
export const checkRecovery: Checker<RecoveryOptions> = (input, options) => {
  if (!options.earlier) return checkOneBound(input, options.percent ?? 100, options.withinMs);
  const main = checkOneBound(input, options.percent ?? 100, options.withinMs);
  const early = checkOneBound(input, options.earlier.percent, options.earlier.withinMs);
  if (main.status === 'skipped') return main;
  const title = `${options.earlier.percent}% of affected agents back within ${formatMs(options.earlier.withinMs)}, ${options.percent ?? 100}% within ${formatMs(options.withinMs)}`;
  const evidence = { [`${options.earlier.percent}%`]: early.status === 'skipped' ? undefined : early.evidence, [`${options.percent ?? 100}%`]: main.evidence };
  const failed = [early, main].filter((r) => r.status === 'failed');
  if (failed.length === 0) return { title, status: 'passed', summary: `${early.summary}; ${main.summary}`, evidence };
  // Late only when every bound that failed was late (a hub that never came back is not late).
  const late = failed.every((f) => f.lateDuring) ? { lateDuring: failed.flatMap((f) => f.lateDuring!) } : {};
  return { title, status: 'failed', summary: failed.map((f) => f.summary).join('; '), evidence, ...late };
};

/**
 * How long this machine took to connect the whole fleet at the start (first
 * connect attempt to the last agent's first open). Bringing back a share of
 * the fleet takes at least that share of it: a deadline that ignores it fails
 * a healthy hub at 5,000 agents and says nothing about the hub.
 */
export function fleetConnectMs(input: Parameters<Checker<RecoveryOptions>>[0]): number {
  let firstAttempt: number | undefined;
  let lastFirstOpen = 0;
  const opened = new Set<string>();
  for (const e of input.events) {
    if (e.type === 'ws.connecting' && firstAttempt === undefined) firstAttempt = e.t;
    if (e.type === 'ws.open' && !opened.has(e.agent)) {
      opened.add(e.agent);
      firstAttempt ??= e.t;
      lastFirstOpen = e.t;
    }
  }
  return opened.size === 0 || firstAttempt === undefined ? 0 : Math.max(0, lastFirstOpen - firstAttempt);
}

function checkOneBound(input: Parameters<Checker<RecoveryOptions>>[0], percent: number, withinMs: number): ReturnType<Checker<RecoveryOptions>> {
  const options = { withinMs };
  const rampMs = fleetConnectMs(input);
  const title = `${percent}% of affected agents back within ${formatMs(options.withinMs)} of each heal`;
  const groups = new GroupMap(input.groups ?? [], input.agents);
  // A redeploy whose hub never came back is the worst recovery of all, not a run without one.
  const failedRedeploys = input.events.flatMap((e) => (e.type === 'hub.redeploy.failed' ? [e] : []));
  if (failedRedeploys.length > 0) {
    const first = failedRedeploys[0]!;
    return {
      title,
      status: 'failed',
      summary: `redeploy ${first.name} failed at ${formatMs(first.t)}: ${first.error}; the hub never came back${failedRedeploys.length > 1 ? ` (${failedRedeploys.length} redeploys failed)` : ''}`,
      evidence: { failedRedeploys },
    };
  }
  const windows = faultWindows(input.events, input.endMs);
  const healed = windows.filter((w) => w.healed);
  if (healed.length === 0) return { title, status: 'skipped', summary: 'skipped: no fault healed during the run', reason: 'no fault healed during the run' };

  const perFault = healed.map((w) => {
    const agents = groups.agentsHit(w.target);
    const hit = new Set(agents);
    // Per agent: connected as of the heal, when the disruption dropped it, and its first open after that.
    const connected = new Map<string, boolean>();
    const droppedAt = new Map<string, number>();
    const backAt = new Map<string, number>();
    // An agent still cut off by another disruption when this one heals cannot be back before that one
    // heals too: a redeploy during a partition is judged, for the partitioned agents, from the partition's end.
    const healFor = new Map<string, number>();
    const healOf = (agent: string) => {
      let at = healFor.get(agent);
      if (at !== undefined) return at;
      at = w.toMs;
      for (let changed = true; changed; ) {
        changed = false;
        for (const v of windows) {
          if (v !== w && v.fromMs <= at && v.toMs > at && groups.hits(v, agent)) {
            at = v.toMs;
            changed = true;
          }
        }
      }
      healFor.set(agent, at);
      return at;
    };
    for (const e of input.events) {
      if (!('agent' in e) || !hit.has(e.agent) || (e.type !== 'ws.open' && e.type !== 'ws.close')) continue;
      if (e.type === 'ws.close' && e.by !== 'stop' && e.t >= w.fromMs && e.t <= w.toMs + DROP_GRACE_MS && !droppedAt.has(e.agent)) droppedAt.set(e.agent, e.t);
      if (e.t <= w.toMs) connected.set(e.agent, e.type === 'ws.open');
      // Back at its first open after the drop (or, never dropped, after the heal). The heal is recorded
      // when the harness sees the hub ready, and an agent can get in first: that counts as 0 ms.
      const dropped = droppedAt.get(e.agent);
      const after = dropped ?? w.toMs;
      if (e.type === 'ws.open' && e.t > after && !backAt.has(e.agent)) backAt.set(e.agent, Math.max(0, e.t - healOf(e.agent)));
    }
    const times: number[] = [];
    const notBack: string[] = [];
    for (const agent of agents) {
      // Still up at the heal and not dropped by it: never affected.
      const t = connected.get(agent) && !droppedAt.has(agent) ? 0 : backAt.get(agent);
      if (t === undefined) notBack.push(agent);
      else times.push(t);
    }
    times.sort((a, b) => a - b);
    const needed = Math.ceil((percent / 100) * agents.length);
    const timeToPercentMs = needed === 0 ? 0 : times.length >= needed ? times[needed - 1]! : undefined;
    return {
      fault: w.fault,
      target: w.target,
      healedAtMs: Math.round(w.toMs),
      agents: agents.length,
      back: times.length,
      timeToPercentMs: timeToPercentMs === undefined ? undefined : Math.round(timeToPercentMs),
      p50Ms: times.length ? Math.round(percentile(times, 50)) : undefined,
      notBack: notBack.slice(0, 20),
    };
  });
  const deadline = (f: (typeof perFault)[number]) => options.withinMs + Math.round((rampMs * f.agents) / Math.max(1, input.agents.length));
  const bad = perFault.filter((f) => f.timeToPercentMs === undefined || f.timeToPercentMs > deadline(f));
  const evidence = { percent, withinMs: options.withinMs, fleetConnectMs: rampMs, faults: perFault.map((f) => ({ ...f, deadlineMs: deadline(f) })) };
  const worst = Math.max(...perFault.map((f) => f.timeToPercentMs ?? Infinity));
  if (bad.length === 0) return { title, status: 'passed', summary: `${perFault.length} heal(s): ${percent}% back within ${formatMs(worst)} at worst`, evidence };
  const f = bad[0]!;
  const what = f.timeToPercentMs === undefined ? `only ${f.back}/${f.agents} came back before the end` : `${percent}% back only after ${formatMs(f.timeToPercentMs)} (deadline ${formatMs(deadline(f))}: ${formatMs(options.withinMs)} plus ${formatMs(deadline(f) - options.withinMs)} for ${f.agents} agents, as long as the start took this machine)`;
  // The time each late heal gave the hub: from the heal to its deadline.
  const lateDuring = bad.map((b) => ({ fromMs: b.healedAtMs, toMs: b.healedAtMs + deadline(b) }));
  return { title, status: 'failed', summary: `after ${f.fault} healed at ${formatMs(f.healedAtMs)}: ${what}${f.notBack.length ? ` (not back: ${f.notBack.slice(0, 5).join(', ')})` : ''}`, evidence, lateDuring };
}
