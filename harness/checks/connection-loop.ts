import type { EventOf } from '../history/events.ts';
import { GroupMap, faultWindows, type FaultWindow } from './fault-windows.ts';
import { formatMs } from './stats.ts';
import type { Checker } from './types.ts';

export interface ConnectionLoopOptions {
  /** How many short connections in a row make a loop. Default 3. */
  minCycles?: number;
  /** A connection that ends sooner than this after opening is short, ms. Default 5_000. */
  maxConnectionMs?: number;
  /**
   * A short connection that ended while a network fault hit its agent is blamed
   * on the network, unless it lasted less than this, ms: a hub that closes
   * connections right after they open is looping whatever the network does.
   * Default 500.
   */
  immediateMs?: number;
  /** How long after a fault heals its effects may still show, ms. Default 1_000. */
  faultGraceMs?: number;
}

export interface LoopingAgent {
  agent: string;
  /** Short connections in the longest run of them. */
  cycles: number;
  /** Median time from one connection's open to the next one's, within that run, ms. */
  periodMs: number;
  /** When the first short connection of the first run that reached minCycles opened, ms since start. */
  firstSeenAtMs: number;
  /** When that run reached minCycles, ms since start. */
  flaggedAtMs: number;
  closes: { code: number; reason: string; count: number }[];
}

type Close = EventOf<'ws.close'>;

/**
 * Flags agents whose connections keep ending soon after they open: the
 * incident's signature. Every close counts except the harness stopping the
 * agent (a close by the agent's own liveness check comes after 2.5 silent
 * ping intervals, so it is rarely short); a connection that lasts resets the run, so
 * a few short-lived reconnects spread over a healthy run are not flagged.
 */
export const checkConnectionLoop: Checker<ConnectionLoopOptions> = (input, options) => {
  const minCycles = options.minCycles ?? 3;
  const maxConnectionMs = options.maxConnectionMs ?? 5_000;
  const immediateMs = options.immediateMs ?? 500;
  const graceMs = options.faultGraceMs ?? 1_000;
  const windows = faultWindows(input.events, input.endMs);
  const groups = new GroupMap(input.groups ?? [], input.agents);
  const duringFault = (close: Close, agentWindows: FaultWindow[]) =>
    agentWindows.some((w) => close.t >= w.fromMs && close.t <= w.toMs + graceMs && groups.hits(w, close.agent));
  let blamedOnNetwork = 0;
  const closesByAgent = new Map<string, Close[]>();
  for (const e of input.events) {
    if (e.type !== 'ws.close' || e.by === 'stop') continue;
    if (e.openMs >= immediateMs && windows.length > 0 && duringFault(e, windows)) {
      blamedOnNetwork++;
      continue;
    }
    let list = closesByAgent.get(e.agent);
    if (!list) closesByAgent.set(e.agent, (list = []));
    list.push(e);
  }

  const looping: LoopingAgent[] = [];
  for (const [agent, closes] of closesByAgent) {
    const found = findLoop(agent, closes, minCycles, maxConnectionMs);
    if (found) looping.push(found);
  }
  looping.sort((a, b) => a.firstSeenAtMs - b.firstSeenAtMs);

  const base = { id: 'connection-loop', title: `No connection loops (${minCycles}+ connections in a row each shorter than ${formatMs(maxConnectionMs)})` };
  if (looping.length === 0) {
    const network = blamedOnNetwork > 0 ? ` (${blamedOnNetwork} close(s) during network faults blamed on the network)` : '';
    return { ...base, status: 'passed', summary: `no agent had ${minCycles} short connections in a row${network}`, evidence: { minCycles, maxConnectionMs, immediateMs, blamedOnNetwork, looping: [] } };
  }
  const reasons = new Map<string, number>();
  for (const l of looping) for (const c of l.closes) reasons.set(`${c.code} "${c.reason}"`, (reasons.get(`${c.code} "${c.reason}"`) ?? 0) + c.count);
  const topReasons = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r]) => r);
  const periods = looping.map((l) => l.periodMs).sort((a, b) => a - b);
  const first = looping[0]!;
  return {
    ...base,
    status: 'failed',
    summary:
      `connection loop: ${looping.length}/${input.agents.length} agents kept reconnecting ` +
      `(up to ${Math.max(...looping.map((l) => l.cycles))} short connections in a row, period ~${formatMs(periods[Math.floor(periods.length / 2)]!)}), ` +
      `closed with ${topReasons.join(', ')}; first seen on ${first.agent} at ${formatMs(first.firstSeenAtMs)}`,
    evidence: { minCycles, maxConnectionMs, immediateMs, blamedOnNetwork, looping },
  };
};

function findLoop(agent: string, closes: Close[], minCycles: number, maxConnectionMs: number): LoopingAgent | undefined {
  let run: Close[] = [];
  let longest: Close[] = [];
  let firstFlagged: { start: number; at: number } | undefined;
  for (const close of closes) {
    if (close.openMs >= maxConnectionMs) {
      run = [];
      continue;
    }
    run.push(close);
    if (run.length === minCycles && !firstFlagged) firstFlagged = { start: openedAt(run[0]!), at: close.t };
    if (run.length > longest.length) longest = run;
  }
  if (!firstFlagged) return undefined;

  const opens = longest.map(openedAt);
  const gaps = opens.slice(1).map((t, i) => t - opens[i]!).sort((a, b) => a - b);
  const counts = new Map<string, { code: number; reason: string; count: number }>();
  for (const c of longest) {
    const key = `${c.code}\u0000${c.reason}`;
    const entry = counts.get(key) ?? { code: c.code, reason: c.reason, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return {
    agent,
    cycles: longest.length,
    periodMs: Math.round(gaps[Math.floor(gaps.length / 2)] ?? 0),
    firstSeenAtMs: Math.round(firstFlagged.start),
    flaggedAtMs: Math.round(firstFlagged.at),
    closes: [...counts.values()].sort((a, b) => b.count - a.count),
  };
}

function openedAt(close: Close): number {
  return close.t - close.openMs;
}
