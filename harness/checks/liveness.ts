import { GroupMap, faultWindows, type FaultWindow } from './fault-windows.ts';
import { formatMs } from './stats.ts';
import type { Checker } from './types.ts';

export interface LivenessOptions {
  /** The ping interval the agents assume the hub keeps (the scenario's, or --hub-ping-interval), ms. */
  pingIntervalMs: number;
  /** A stretch without a ping longer than this many intervals breaks the promise. Default 2. */
  maxGapIntervals?: number;
}

/** One connection whose longest stretch without a ping was too long. */
export interface SilentConnection {
  agent: string;
  conn: number;
  openedAtMs: number;
  openMs: number;
  pings: number;
  maxPingGapMs: number;
  /** The stretch, on the run's clock. */
  gapFromMs: number;
  gapToMs: number;
}

export interface LivenessEvidence {
  pingIntervalMs: number;
  /** Longer than this without a ping is flagged, ms. */
  maxGapMs: number;
  /** Connections that lasted over maxGapMs, whose longest gap touched no fault or redeploy window of their agent. */
  judged: number;
  /** Connections whose longest gap touched a fault or redeploy window of their agent: a silence the run caused. */
  excused: number;
  /** Connections too short to break the promise (at most maxGapMs). */
  tooShort: number;
  /** The longest gap among the judged connections, ms. */
  longestGapMs?: number;
  /** Agents with at least one flagged connection. */
  agentsFlagged: string[];
  /** Flagged connections, the longest gaps first, at most 20. */
  flagged: SilentConnection[];
  /** Flagged connections that heard no ping at all. */
  neverPinged: number;
}

/**
 * Does the hub keep its ping promise? Each agent reports on every ws.close how
 * many pings it heard and its longest stretch without one (open -> first ping
 * and last ping -> close included, agent/ping-gaps.ts). A stretch longer than
 * `maxGapIntervals` intervals fails the hub: one that never pings, or pings
 * far slower than it promised, looks healthy to agents that wait longer than
 * the run, and gets its connections dropped by agents that expect the promise.
 * A stretch that touched a fault or redeploy window hitting that agent is the
 * run's doing and is excused. Only the longest stretch is recorded, so a
 * connection whose longest one was excused is not judged on its shorter ones.
 */
export const checkLiveness: Checker<LivenessOptions, LivenessEvidence> = (input, { pingIntervalMs, maxGapIntervals = 2 }) => {
  const maxGapMs = pingIntervalMs * maxGapIntervals;
  const title = `Hub pings every ${formatMs(pingIntervalMs)} as promised (no stretch over ${formatMs(maxGapMs)} without one)`;
  const groups = new GroupMap(input.groups ?? [], input.agents);
  const windows = faultWindows(input.events, input.endMs);
  const touchesWindow = (agent: string, fromMs: number, toMs: number) => windows.some((w: FaultWindow) => groups.hits(w, agent) && w.fromMs <= toMs && w.toMs >= fromMs);
  let judged = 0;
  let excused = 0;
  let tooShort = 0;
  let longestGapMs: number | undefined;
  const flagged: SilentConnection[] = [];
  const judgedAgents = new Set<string>();
  for (const close of input.events) {
    if (close.type !== 'ws.close') continue;
    if (close.pings === undefined || close.maxPingGapMs === undefined) continue; // an agent that did not count them
    if (close.openMs <= maxGapMs) {
      tooShort++;
      continue;
    }
    const openedAtMs = close.t - close.openMs;
    const gapFromMs = openedAtMs + (close.maxPingGapAtMs ?? 0);
    const gapToMs = gapFromMs + close.maxPingGapMs;
    if (touchesWindow(close.agent, gapFromMs, gapToMs)) {
      excused++;
      continue;
    }
    judged++;
    judgedAgents.add(close.agent);
    longestGapMs = Math.max(longestGapMs ?? 0, close.maxPingGapMs);
    if (close.maxPingGapMs > maxGapMs) {
      flagged.push({ agent: close.agent, conn: close.conn, openedAtMs, openMs: close.openMs, pings: close.pings, maxPingGapMs: close.maxPingGapMs, gapFromMs, gapToMs });
    }
  }
  if (judged === 0) {
    const reason = `no connection lasted over ${formatMs(maxGapMs)} (${maxGapIntervals} ping intervals of ${formatMs(pingIntervalMs)}) outside fault and redeploy windows` + (excused > 0 ? ` (${excused} did, but went silent inside one)` : '') + ', so a hub that never pings would look the same';
    return { title, status: 'skipped', summary: `skipped: ${reason}`, reason };
  }
  flagged.sort((a, b) => b.maxPingGapMs - a.maxPingGapMs || a.openedAtMs - b.openedAtMs);
  const agentsFlagged = [...new Set(flagged.map((f) => f.agent))];
  const neverPinged = flagged.filter((f) => f.pings === 0).length;
  const evidence: LivenessEvidence = { pingIntervalMs, maxGapMs, judged, excused, tooShort, longestGapMs, agentsFlagged, flagged: flagged.slice(0, 20), neverPinged };
  if (flagged.length === 0) {
    return { title, status: 'passed', summary: `${judged} connection(s) judged: the longest stretch without a ping was ${formatMs(longestGapMs!)} (promised every ${formatMs(pingIntervalMs)})`, evidence };
  }
  const worst = flagged[0]!;
  const named = agentsFlagged.slice(0, 5).join(', ') + (agentsFlagged.length > 5 ? ', ...' : '');
  const what =
    neverPinged === flagged.length
      ? `the hub never pinged: ${agentsFlagged.length}/${judgedAgents.size} agents heard no ping on connections lasting up to ${formatMs(Math.max(...flagged.map((f) => f.openMs)))}`
      : `the hub pinged slower than promised: ${agentsFlagged.length}/${judgedAgents.size} agents went up to ${formatMs(worst.maxPingGapMs)} without a ping`;
  // A hub that keeps its own interval and ignores the one it was told looks the same: say how to tell the agents.
  return { title, status: 'failed', summary: `${what} (promised every ${formatMs(pingIntervalMs)}, flagged past ${formatMs(maxGapMs)}; ${named}). A hub that keeps its own interval: pass it with --hub-ping-interval`, evidence };
};
