import type { HistoryEvent } from '../../history/events.ts';
import { STATE, type StateChange } from './timeline.ts';

/** Fleet-wide values per time step, x in seconds, so the charts draw arrays and compute nothing. */
export interface FleetSeries {
  stepMs: number;
  t: number[];
  connected: number[];
  polling: number[];
  down: number[];
  connectsPerS: number[];
  disconnectsPerS: number[];
}

/** A step that gives at most ~400 points over the run, on a round number of ms. */
export function chooseStepMs(endMs: number): number {
  const raw = Math.max(100, endMs / 400);
  for (const step of [100, 200, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000]) if (step >= raw) return step;
  return Math.ceil(raw / 600_000) * 600_000;
}

/**
 * Agents in each state at the end of every step (from the lanes' state
 * changes) and connects/disconnects per second within it (from the history).
 */
export function fleetSeries(events: readonly HistoryEvent[], changes: readonly StateChange[], agents: number, endMs: number): FleetSeries {
  const stepMs = chooseStepMs(endMs);
  const steps = Math.max(1, Math.ceil(endMs / stepMs));
  const out: FleetSeries = { stepMs, t: [], connected: [], polling: [], down: [], connectsPerS: [], disconnectsPerS: [] };
  const counts = [0, 0, agents];
  let next = 0;
  for (let i = 1; i <= steps; i++) {
    const at = Math.min(i * stepMs, endMs);
    while (next < changes.length && changes[next]!.t <= at) {
      const c = changes[next++]!;
      counts[c.from]!--;
      counts[c.to]!++;
    }
    out.t.push(at / 1_000);
    out.connected.push(counts[STATE.ws]!);
    out.polling.push(counts[STATE.poll]!);
    out.down.push(counts[STATE.down]!);
  }
  const connects = new Array<number>(steps).fill(0);
  const disconnects = new Array<number>(steps).fill(0);
  const bucket = (t: number) => Math.min(steps - 1, Math.max(0, Math.floor(t / stepMs)));
  for (const e of events) {
    if (e.type === 'ws.open') connects[bucket(e.t)]!++;
    else if (e.type === 'ws.close' && e.by !== 'stop') disconnects[bucket(e.t)]!++;
  }
  const perS = 1_000 / stepMs;
  out.connectsPerS = connects.map((n) => n * perS);
  out.disconnectsPerS = disconnects.map((n) => n * perS);
  return out;
}

/** Issue-to-apply latency of each command, by when it was issued; lost ones by when they were issued. */
export interface LatencySeries {
  t: number[];
  ms: number[];
  lostT: number[];
  issued: number;
  /** Points were thinned to this many when there were more (the counts above are not). */
  sampled: boolean;
}

const MAX_LATENCY_POINTS = 5_000;

export function commandLatency(events: readonly HistoryEvent[]): LatencySeries {
  const issued = new Map<string, number>();
  const applied = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'command.issued') issued.set(e.id, e.t);
    else if (e.type === 'command' && !e.repeat && !applied.has(e.id)) applied.set(e.id, e.t);
  }
  let points: [number, number][] = [];
  const lostT: number[] = [];
  for (const [id, t] of issued) {
    const at = applied.get(id);
    // A command can reach its agent before the admin call that issued it returns: that is ~0, not negative.
    if (at === undefined) lostT.push(Math.round(t) / 1_000);
    else points.push([Math.round(t) / 1_000, Math.round(Math.max(0, at - t) * 10) / 10]);
  }
  points.sort((a, b) => a[0] - b[0]);
  const sampled = points.length > MAX_LATENCY_POINTS;
  if (sampled) {
    const every = points.length / MAX_LATENCY_POINTS;
    points = Array.from({ length: MAX_LATENCY_POINTS }, (_, i) => points[Math.floor(i * every)]!);
  }
  return { t: points.map((p) => p[0]), ms: points.map((p) => p[1]), lostT: lostT.sort((a, b) => a - b), issued: issued.size, sampled };
}

/** Connection durations in bins that grow by 1-2-5 steps, so 1 ms loops and 10 min sessions share one chart. */
export interface DurationHistogram {
  labels: string[];
  closed: number[];
  openAtEnd: number[];
}

const EDGES_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** [number, unit] for a bin edge: 500 -> [500, 'ms'], 2_000 -> [2, 's']. */
function unitOf(ms: number): [number, string] {
  if (ms < 1_000) return [ms, 'ms'];
  if (ms < 60_000) return [ms / 1_000, 's'];
  if (ms < 3_600_000) return [ms / 60_000, 'min'];
  return [ms / 3_600_000, 'h'];
}

/** "1–2 ms", "500 ms–1 s": short enough to sit under a bar. */
function binLabel(fromMs: number, toMs: number): string {
  const [a, ua] = unitOf(fromMs);
  const [b, ub] = unitOf(toMs);
  return ua === ub ? `${a}–${b} ${ub}` : `${a} ${ua}–${b} ${ub}`;
}

export function durationHistogram(closedMs: readonly number[], openAtEndMs: readonly number[]): DurationHistogram {
  const bins = EDGES_MS.length + 1;
  const closed = new Array<number>(bins).fill(0);
  const openAtEnd = new Array<number>(bins).fill(0);
  const binOf = (ms: number) => {
    const i = EDGES_MS.findIndex((edge) => ms < edge);
    return i < 0 ? bins - 1 : i;
  };
  for (const ms of closedMs) closed[binOf(ms)]!++;
  for (const ms of openAtEndMs) openAtEnd[binOf(ms)]!++;
  // Trim empty bins at both ends so the bars that matter are wide enough to read.
  let first = 0;
  let last = bins - 1;
  while (first < last && closed[first] === 0 && openAtEnd[first] === 0) first++;
  while (last > first && closed[last] === 0 && openAtEnd[last] === 0) last--;
  const edge = (ms: number) => unitOf(ms).join(' ');
  const labels = Array.from({ length: bins }, (_, i) => (i === 0 ? `< ${edge(EDGES_MS[0]!)}` : i === bins - 1 ? `≥ ${edge(EDGES_MS[bins - 2]!)}` : binLabel(EDGES_MS[i - 1]!, EDGES_MS[i]!)));
  return { labels: labels.slice(first, last + 1), closed: closed.slice(first, last + 1), openAtEnd: openAtEnd.slice(first, last + 1) };
}
