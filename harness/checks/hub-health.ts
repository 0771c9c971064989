import type { EventOf, HistoryEvent } from '../history/events.ts';
import { GroupMap, faultWindows, type FaultWindow } from './fault-windows.ts';
import { formatMs } from './stats.ts';
import type { Checker, TimeWindow } from './types.ts';

export interface HubHealthOptions {
  /**
   * Consecutive failed probes (one a second, each given 4 s) that make the
   * hub gone. Default 5: at least 4 s of refusals, or 8 s of silence for a
   * hub that hangs. A loaded 2-core machine delays an answer by a second or
   * two, and a stall of the harness's own event loop fails only the probe or
   * two in flight (it starts none while it lasts), so 5 in a row is the hub.
   */
  minFailedProbes?: number;
  /**
   * How long after a disruption ends it still explains what follows, ms:
   * failed probes after a redeploy's end (the new incarnation coming up),
   * an agent's close after a fault heals. Default 5_000.
   */
  graceMs?: number;
}

export interface HubOutage {
  /** The first failed probe of the outage, and when it ended (the first answer, or the run's stop). */
  fromMs: number;
  toMs: number;
  /** True when the hub still did not answer at the stop. */
  open: boolean;
  reason: string;
  failedProbes: number;
  /** The longest run of consecutive failed probes outside planned redeploys (+ grace). */
  unplannedFailedProbes: number;
  /** When that run started (the hub went away), if it has any probe. */
  unplannedFromMs?: number;
}

export interface AgentDownAtEnd {
  agent: string;
  /** Its last close before the stop; absent when it never connected. */
  lastCloseMs?: number;
  code?: number;
  reason?: string;
  /** Who ended that connection: the hub ('remote') or the agent's own liveness verdict ('dead'). */
  by?: 'remote' | 'dead';
}

export interface HubHealthEvidence {
  minFailedProbes: number;
  graceMs: number;
  probes: number;
  answered: number;
  maxLatencyMs: number;
  /** When the judged part of the run ended (the run's 'stop' phase). */
  stopMs: number;
  outages: HubOutage[];
  /** Hub process exits the harness did not cause, before the stop. */
  unplannedExits: EventOf<'hub.exit'>[];
  plannedExits: number;
  /** Agents without a WebSocket at the stop that no fault or redeploy explains (first 20). */
  downAtEnd: AgentDownAtEnd[];
  downAtEndCount: number;
  /** Agents without a WebSocket at the stop whose last drop a disruption explains. */
  explainedDownAtEnd: number;
}

const SHOWN = 20;

/**
 * Hub health: the hub must stay up and answering for the whole run, except
 * while the scenario itself redeploys it, and the fleet must end connected
 * unless a disruption explains an agent's absence. Fails on
 * - `minFailedProbes` consecutive failed /healthz probes outside every
 *   planned redeploy window (begin to end + grace; a failed redeploy's window
 *   ends where it failed), with when the hub went away and for how long;
 * - a hub process exit the harness did not cause (the runtime marks its own
 *   stops, a crash redeploy's SIGKILL included), with code or signal;
 * - agents not connected at the run's 'stop' (before the harness stops
 *   them) whose last close lies in no disruption window for their group
 *   (+ grace), or that never connected with no disruption covering the stop.
 * Reads only events up to the 'stop' phase.
 */
export const checkHubHealth: Checker<HubHealthOptions, HubHealthEvidence> = (input, options) => {
  const minFailedProbes = options.minFailedProbes ?? 5;
  const graceMs = options.graceMs ?? 5_000;
  const title = `hub answered throughout (gone = ${minFailedProbes} failed probes in a row or a process exit, outside planned redeploys) and the fleet ended connected`;
  const stopMs = input.events.find((e) => e.type === 'run.phase' && e.phase === 'stop')?.t ?? input.endMs;
  const events = input.events.filter((e) => e.t <= stopMs);
  const totals = events.findLast((e): e is EventOf<'hub.probes'> => e.type === 'hub.probes');
  if (!totals && !events.some((e) => e.type === 'hub.health')) {
    return { title, status: 'skipped', summary: 'skipped: the hub was not watched (no hub.health events)', reason: 'the hub was not watched (no hub.health events)' };
  }

  const windows = disruptionWindows(events, stopMs);
  const planned = windows.filter((w) => w.kind.startsWith('redeploy:'));
  const inPlanned = (t: number) => planned.some((w) => t >= w.fromMs && t <= w.toMs + graceMs);
  const outages = outagesOf(events, totals, stopMs).map((o): HubOutage => {
    let run = 0;
    let best = 0;
    let runFrom: number | undefined;
    let bestFrom: number | undefined;
    for (const t of o.failedAtMs) {
      if (inPlanned(t)) {
        run = 0;
        continue;
      }
      if (run++ === 0) runFrom = t;
      if (run > best) [best, bestFrom] = [run, runFrom];
    }
    // Probes the watcher did not keep (an outage of over 1,000 probes) came before the kept ones, from the outage's start:
    // they join the leading run when it is unplanned.
    const dropped = o.failedProbes - o.failedAtMs.length;
    const leading = countLeading(o.failedAtMs, inPlanned);
    if (dropped > 0 && leading > 0 && leading + dropped > best) [best, bestFrom] = [leading + dropped, o.fromMs];
    return { fromMs: o.fromMs, toMs: o.toMs, open: o.open, reason: o.reason, failedProbes: o.failedProbes, unplannedFailedProbes: best, ...(bestFrom !== undefined ? { unplannedFromMs: bestFrom } : {}) };
  });
  const exits = events.filter((e): e is EventOf<'hub.exit'> => e.type === 'hub.exit');
  const unplannedExits = exits.filter((e) => !e.planned);
  const down = downAtEnd(events, input, windows, stopMs, graceMs);

  const evidence: HubHealthEvidence = {
    minFailedProbes,
    graceMs,
    probes: totals?.probes ?? 0,
    answered: totals?.answered ?? 0,
    maxLatencyMs: totals?.maxLatencyMs ?? 0,
    stopMs,
    outages,
    unplannedExits,
    plannedExits: exits.length - unplannedExits.length,
    downAtEnd: down.unexplained.slice(0, SHOWN),
    downAtEndCount: down.unexplained.length,
    explainedDownAtEnd: down.explained,
  };

  const gone = outages.filter((o) => o.unplannedFailedProbes >= minFailedProbes);
  const problems: string[] = [];
  for (const exit of unplannedExits) {
    problems.push(`the hub's process${exit.pid ? ` (pid ${exit.pid})` : ''} exited on its own at ${formatMs(exit.t)} (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})`);
  }
  for (const o of gone) {
    const from = o.unplannedFromMs!;
    const lasted = `${formatMs(o.toMs - from)}${o.open ? ' until the end' : ''}`;
    problems.push(`the hub went away at ${formatMs(from)}: no answer to ${o.unplannedFailedProbes} probes in a row (${o.reason}), for ${lasted}`);
  }
  if (down.unexplained.length > 0) {
    const names = down.unexplained.slice(0, 5).map((d) => d.agent).join(', ');
    problems.push(`${down.unexplained.length}/${input.agents.length} agents not connected at the end with no fault or redeploy to explain it: ${names}${down.unexplained.length > 5 ? ', ...' : ''}`);
  }
  if (problems.length > 0) return { title, status: 'failed', summary: problems.join('; '), evidence, ...lateness(unplannedExits.length, gone, down.unexplained, stopMs) };

  const uptime = evidence.probes === 0 ? '' : ` (${Math.floor((1_000 * evidence.answered) / evidence.probes) / 10}%)`;
  const plannedDown = outages.filter((o) => o.failedProbes > 0 && o.unplannedFailedProbes === 0).length;
  const parts = [`hub answered ${evidence.answered}/${evidence.probes} probes${uptime}, slowest ${formatMs(evidence.maxLatencyMs)}`];
  if (plannedDown > 0) parts.push(`${plannedDown} outage(s) within planned redeploys`);
  const shortOutages = outages.filter((o) => o.unplannedFailedProbes > 0).length;
  if (shortOutages > 0) parts.push(`${shortOutages} blip(s) shorter than ${minFailedProbes} probes`);
  parts.push(down.explained > 0 ? `${input.agents.length - down.explained}/${input.agents.length} agents connected at the end, ${down.explained} down after a disruption` : `all ${input.agents.length} agents connected at the end`);
  return { title, status: 'passed', summary: parts.join('; '), evidence };
};

/**
 * Late, when nothing but time went wrong: no process exit, every outage
 * was probes unanswered in time (not refused, not an error status), and the
 * agents down at the stop were still on their way back from their own
 * liveness verdict (a starved fleet misses pings) or had never connected.
 * An agent the hub itself disconnected (a loop's replace) is not late. The
 * hub was given each outage's stretch, and each absent agent the time from
 * its last close (or the start) to the stop.
 */
function lateness(exits: number, gone: readonly HubOutage[], down: readonly AgentDownAtEnd[], stopMs: number): { lateDuring?: TimeWindow[] } {
  if (exits > 0 || gone.some((o) => !o.reason.startsWith('no answer')) || down.some((d) => d.by === 'remote')) return {};
  const windows: TimeWindow[] = gone.map((o) => ({ fromMs: o.unplannedFromMs!, toMs: o.toMs, waitingOn: 'hub' as const }));
  if (down.length > 0) windows.push({ fromMs: Math.min(...down.map((d) => d.lastCloseMs ?? 0)), toMs: stopMs });
  return windows.length > 0 ? { lateDuring: windows } : {};
}

/** Faults and redeploys as windows, a failed redeploy's ending where it failed (the hub it meant to start never came). */
function disruptionWindows(events: readonly HistoryEvent[], stopMs: number): FaultWindow[] {
  const windows = faultWindows(events, stopMs);
  for (const failed of events) {
    if (failed.type !== 'hub.redeploy.failed') continue;
    const w = windows.find((v) => v.fault === failed.name && v.kind.startsWith('redeploy:') && !v.healed);
    if (w) w.toMs = failed.t;
  }
  return windows;
}

interface RawOutage {
  fromMs: number;
  toMs: number;
  open: boolean;
  reason: string;
  failedAtMs: readonly number[];
  failedProbes: number;
}

/** Each stretch the hub did not answer: from a 'down' to the next 'up', or to the stop (the totals carry the open one's probes). */
function outagesOf(events: readonly HistoryEvent[], totals: EventOf<'hub.probes'> | undefined, stopMs: number): RawOutage[] {
  const outages: RawOutage[] = [];
  let open: EventOf<'hub.health'> | undefined;
  for (const e of events) {
    if (e.type !== 'hub.health') continue;
    if (e.state === 'down') open ??= e;
    else if (open) {
      outages.push({ fromMs: open.t, toMs: e.t, open: false, reason: reasonOf(open), failedAtMs: e.failedAtMs ?? [open.t], failedProbes: e.failedProbes ?? 1 });
      open = undefined;
    }
  }
  if (open) {
    // Without the totals (an interrupted run) only the first failed probe is known.
    const failedAtMs = totals && totals.failedProbes > 0 ? totals.failedAtMs : [open.t];
    outages.push({ fromMs: open.t, toMs: stopMs, open: true, reason: reasonOf(open), failedAtMs, failedProbes: totals?.failedProbes || 1 });
  }
  return outages;
}

function reasonOf(e: EventOf<'hub.health'>): string {
  return e.state === 'down' ? e.reason : 'answering';
}

function countLeading(times: readonly number[], excused: (t: number) => boolean): number {
  let n = 0;
  for (const t of times) {
    if (excused(t)) break;
    n++;
  }
  return n;
}

/** Agents without a WebSocket at the stop, split by whether a disruption for their group explains it. */
function downAtEnd(events: readonly HistoryEvent[], input: Parameters<typeof checkHubHealth>[0], windows: readonly FaultWindow[], stopMs: number, graceMs: number) {
  const groups = new GroupMap(input.groups ?? [], input.agents);
  const last = new Map<string, EventOf<'ws.open'> | EventOf<'ws.close'>>();
  for (const e of events) {
    if (e.type === 'ws.open' || (e.type === 'ws.close' && e.by !== 'stop')) last.set(e.agent, e);
  }
  const unexplained: AgentDownAtEnd[] = [];
  let explained = 0;
  for (const agent of input.agents) {
    const e = last.get(agent);
    if (e?.type === 'ws.open') continue;
    const hitting = windows.filter((w) => groups.hits(w, agent));
    // Its last close inside a disruption (or just after one) explains it; one that never connected needs a disruption at the stop.
    const at = e?.t ?? stopMs;
    if (hitting.some((w) => at >= w.fromMs && at <= w.toMs + graceMs)) {
      explained++;
      continue;
    }
    unexplained.push(e ? { agent, lastCloseMs: e.t, code: e.code, reason: e.reason, ...(e.by === 'stop' ? {} : { by: e.by }) } : { agent });
  }
  return { unexplained, explained };
}
