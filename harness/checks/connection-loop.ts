import type { EventOf } from '../history/events.ts';
import { GroupMap, faultWindows, type FaultWindow } from './fault-windows.ts';
import { formatMs } from './stats.ts';
import { hubMetricName, type CheckInput, type Checker } from './types.ts';

export interface ConnectionLoopOptions {
  /** How many connections in a row make a loop: short ones, or ones ending the same way at a regular period. Default 3. */
  minCycles?: number;
  /** A connection that ends sooner than this after opening is short, ms. Default 5_000. */
  maxConnectionMs?: number;
  /** How long after a disruption ends its closes are still blamed on it, ms. Default 1_000. */
  faultGraceMs?: number;
  /**
   * Connections ending the same way recur "at a regular period" when every
   * one lasted within this share of their median length (or within
   * regularSlackMs, whichever is wider). Default 0.25.
   */
  regularShare?: number;
  /** See regularShare, ms. Default 1_000. */
  regularSlackMs?: number;
}

export interface LoopingAgent {
  agent: string;
  /** 'short': connections in a row each shorter than maxConnectionMs. 'periodic': connections in a row ended the same way (code, reason, who) after about the same time, however long. */
  pattern: 'short' | 'periodic';
  /** Connections in the longest such run. */
  cycles: number;
  /** Median time from one connection's open to the next one's, within that run, ms. */
  periodMs: number;
  /** Median connection length within that run, ms. */
  connectionMs: number;
  /** When the first connection of the first run that reached minCycles opened, ms since start. */
  firstSeenAtMs: number;
  /** When that run reached minCycles, ms since start. */
  flaggedAtMs: number;
  closes: { code: number; reason: string; by: string; count: number }[];
}

export interface ConnectionLoopEvidence {
  minCycles: number;
  maxConnectionMs: number;
  /** Closes a disruption explains (a network fault, a redeploy), which never count toward a loop. */
  explainedByDisruption: number;
  looping: LoopingAgent[];
  /** Set when the hub's metrics show connections replaced that the fleet did not open twice. */
  identity?: string;
}

type Close = EventOf<'ws.close'>;

/** What makes a loop, with the defaults: every report states them (`params.loop`), whether the check ran or not. */
export function loopThresholds(options: ConnectionLoopOptions = {}): { minCycles: number; maxConnectionMs: number } {
  return { minCycles: options.minCycles ?? 3, maxConnectionMs: options.maxConnectionMs ?? 5_000 };
}

/**
 * Flags agents whose connections keep ending the same way: the incident's
 * signature, whatever its period. A loop is either minCycles connections in
 * a row that each ended soon after opening, or minCycles connections in a
 * row that ended with the same close (code, reason, who closed) after about
 * the same time (a replace loop every 7 s, a load balancer cutting every
 * 30 s, a liveness timeout every 25 s).
 *
 * Closes a disruption explains never count: during a redeploy window every
 * close; during a network fault (partition, flap down phase, reset,
 * blackhole, slow-close) closes that carry no close frame from the hub
 * (1006) or that the agent's own liveness check made; during latency or
 * bandwidth only the liveness check's closes. A close frame the hub chose to
 * send (1000 "New connection established") is never excused by the network.
 * The harness stopping the agent is never a close that counts.
 */
export const checkConnectionLoop: Checker<ConnectionLoopOptions, ConnectionLoopEvidence> = (input, options) => {
  const { minCycles, maxConnectionMs } = loopThresholds(options);
  const graceMs = options.faultGraceMs ?? 1_000;
  const regular = { share: options.regularShare ?? 0.25, slackMs: options.regularSlackMs ?? 1_000 };
  const windows = faultWindows(input.events, input.endMs);
  const groups = new GroupMap(input.groups ?? [], input.agents);
  let explainedByDisruption = 0;
  const closesByAgent = new Map<string, Close[]>();
  for (const e of input.events) {
    if (e.type !== 'ws.close' || e.by === 'stop') continue;
    if (windows.some((w) => explains(w, e, graceMs) && groups.hits(w, e.agent))) {
      explainedByDisruption++;
      continue;
    }
    let list = closesByAgent.get(e.agent);
    if (!list) closesByAgent.set(e.agent, (list = []));
    list.push(e);
  }

  const looping: LoopingAgent[] = [];
  for (const [agent, closes] of closesByAgent) {
    const short = findRun(closes, minCycles, (_run, next) => next.openMs < maxConnectionMs);
    const periodic = findRun(closes, minCycles, (run, next) => run.length === 0 || (sameClose(run[0]!, next) && isRegular([...run, next], regular)));
    // A short loop is the incident's own shape; report it when both hold.
    const found = short ? describeRun(agent, 'short', short) : periodic ? describeRun(agent, 'periodic', periodic) : undefined;
    if (found) looping.push(found);
  }
  looping.sort((a, b) => a.firstSeenAtMs - b.firstSeenAtMs);

  const identity = identityNote(input);
  const base = { title: `No connection loops (${minCycles}+ connections in a row each shorter than ${formatMs(maxConnectionMs)}, or ending the same way at a regular period)` };
  const evidence: ConnectionLoopEvidence = { minCycles, maxConnectionMs, explainedByDisruption, looping, ...(identity ? { identity } : {}) };
  if (looping.length === 0) {
    const network = explainedByDisruption > 0 ? ` (${explainedByDisruption} close(s) explained by faults or redeploys)` : '';
    return { ...base, status: 'passed', summary: `no agent's connections kept ending the same way${network}`, evidence };
  }
  const reasons = new Map<string, number>();
  for (const l of looping) for (const c of l.closes) reasons.set(`${c.code} "${c.reason}"`, (reasons.get(`${c.code} "${c.reason}"`) ?? 0) + c.count);
  const topReasons = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r]) => r);
  const periods = looping.map((l) => l.periodMs).sort((a, b) => a - b);
  const first = looping[0]!;
  const replace = input.replaceClose;
  const replaceLoop = replace !== undefined && topReasons[0] === `${replace.code} "${replace.reason}"`;
  const shortCount = looping.filter((l) => l.pattern === 'short').length;
  const shape = shortCount === looping.length ? 'short connections' : shortCount === 0 ? 'connections ending the same way' : 'short or same-ending connections';
  return {
    ...base,
    status: 'failed',
    summary:
      `connection loop: ${looping.length}/${input.agents.length} agents kept reconnecting ` +
      `(up to ${Math.max(...looping.map((l) => l.cycles))} ${shape} in a row, period ~${formatMs(periods[Math.floor(periods.length / 2)]!)}), ` +
      `closed with ${topReasons.join(', ')}${replaceLoop ? ' (the hub\'s own close for a connection a newer one of the same agent replaced: the hub registers each connection twice, or two clients share the ids)' : ''}; first seen on ${first.agent} at ${formatMs(first.firstSeenAtMs)}` +
      (identity ? `; ${identity}` : ''),
    evidence,
  };
};

/** Whether a disruption window explains this close (see checkConnectionLoop). */
function explains(w: FaultWindow, close: Close, graceMs: number): boolean {
  if (close.t < w.fromMs || close.t > w.toMs + graceMs) return false;
  if (w.kind.startsWith('redeploy:')) return true;
  if (close.by === 'dead') return true;
  if (w.kind === 'latency' || w.kind === 'bandwidth') return false;
  return close.code === 1006;
}

function sameClose(a: Close, b: Close): boolean {
  return a.code === b.code && a.reason === b.reason && a.by === b.by;
}

function isRegular(run: readonly Close[], { share, slackMs }: { share: number; slackMs: number }): boolean {
  const lengths = run.map((c) => c.openMs).sort((x, y) => x - y);
  const median = lengths[Math.floor(lengths.length / 2)]!;
  const tolerance = Math.max(median * share, slackMs);
  return lengths[0]! >= median - tolerance && lengths.at(-1)! <= median + tolerance;
}

interface Run {
  longest: Close[];
  first: { start: number; at: number };
}

/** The longest run of closes that `extends` accepts one after another, and where the first run reaching minCycles began and was flagged. */
function findRun(closes: readonly Close[], minCycles: number, extendsRun: (run: readonly Close[], next: Close) => boolean): Run | undefined {
  let run: Close[] = [];
  let longest: Close[] = [];
  let first: Run['first'] | undefined;
  for (const close of closes) {
    if (extendsRun(run, close)) run.push(close);
    else run = extendsRun([], close) ? [close] : [];
    if (run.length === minCycles && !first) first = { start: openedAt(run[0]!), at: close.t };
    if (run.length > longest.length) longest = [...run];
  }
  return first ? { longest, first } : undefined;
}

function describeRun(agent: string, pattern: LoopingAgent['pattern'], { longest, first }: Run): LoopingAgent {
  const opens = longest.map(openedAt);
  const gaps = opens.slice(1).map((t, i) => t - opens[i]!).sort((a, b) => a - b);
  const lengths = longest.map((c) => c.openMs).sort((a, b) => a - b);
  const counts = new Map<string, LoopingAgent['closes'][number]>();
  for (const c of longest) {
    const key = `${c.code}\u0000${c.reason}\u0000${c.by}`;
    const entry = counts.get(key) ?? { code: c.code, reason: c.reason, by: c.by, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return {
    agent,
    pattern,
    cycles: longest.length,
    periodMs: Math.round(gaps[Math.floor(gaps.length / 2)] ?? 0),
    connectionMs: Math.round(lengths[Math.floor(lengths.length / 2)] ?? 0),
    firstSeenAtMs: Math.round(first.start),
    flaggedAtMs: Math.round(first.at),
    closes: [...counts.values()].sort((a, b) => b.count - a.count),
  };
}

function openedAt(close: Close): number {
  return close.t - close.openMs;
}

/**
 * The reference hub counts connections it replaced because another one
 * arrived for the same agent id, and WebSocket handlers run per connection.
 * Replacements while every connection ran one handler mean a second client
 * connected with the run's agent ids: the loop is theirs and ours together.
 */
function identityNote(input: CheckInput): string | undefined {
  const metrics = input.hubMetrics;
  const replacedName = hubMetricName(input, 'replaced');
  const handlersName = hubMetricName(input, 'handlersPerConnection');
  if (!metrics || 'missing' in replacedName || 'missing' in handlersName) return undefined;
  const replaced = metrics.sum(replacedName.name) ?? 0;
  if (replaced <= 0) return undefined;
  const multi = metrics.samples.filter((s) => s.name === `${handlersName.name}_bucket` && s.labels['le'] === '1');
  const count = metrics.sum(`${handlersName.name}_count`);
  const oneHandler = multi.reduce((sum, s) => sum + s.value, 0);
  if (count === undefined || count === 0 || oneHandler < count) return undefined;
  return `another client holds these ids: the hub replaced ${replaced} connection(s) while each ran one handler`;
}
