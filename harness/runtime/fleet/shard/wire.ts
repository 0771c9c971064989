import type { AgentEvent } from '../../../../agent/events.ts';
import type { FleetCounts } from '../fleet.ts';

/**
 * The network shard transport on the wire: the environment a shard runs
 * from, the collector's paths, and the NDJSON batch both sides read. The
 * shard (this folder) and the coordinator's collector
 * (harness/runtime/collector/) both import this module and nothing else of
 * each other, as the hub and the agent share protocol/v1.ts.
 */

/** The environment a shard process (a pod, a container, a local process) runs from. */
export const SHARD_ENV = {
  /** The shard plan (config.ts ShardPlan) as JSON. */
  config: 'EDGE_CHAOS_SHARD_CONFIG',
  /** Or a file holding that JSON (a mounted ConfigMap); used when EDGE_CHAOS_SHARD_CONFIG is unset. */
  configFile: 'EDGE_CHAOS_SHARD_CONFIG_FILE',
  /** Which slice of the fleet this shard runs, 0-based (Kubernetes sets it in an Indexed Job's pods). */
  index: 'JOB_COMPLETION_INDEX',
  /** http://host:port of the coordinator's collector. */
  collectorUrl: 'EDGE_CHAOS_COLLECTOR_URL',
  /** The run's bearer token: every request to the collector carries it. */
  runToken: 'EDGE_CHAOS_RUN_TOKEN',
  /** Local processes only: `stdin` makes the shard stop when its standard input closes (the process that started it died). */
  lifeline: 'EDGE_CHAOS_SHARD_LIFELINE',
} as const;

/** The collector's routes. `index` is the shard's 0-based index (JOB_COMPLETION_INDEX). */
export const COLLECTOR_PATHS = {
  /** GET: the coordinator's clock, for the offset. Authorized. */
  clock: '/clock',
  /** POST JSON ShardHello: the shard introduces itself and its clock offset. */
  hello: (index: number) => `/shards/${index}/hello`,
  /** POST NDJSON batch (BatchHeader line, then one AgentEvent per line). */
  events: (index: number) => `/shards/${index}/events`,
  /** GET: the run's live Prometheus metrics. Not authorized: read-only figures. */
  metrics: '/metrics',
} as const;

export const NDJSON = 'application/x-ndjson';

export interface ClockReply {
  /** The coordinator's clock when it answered: performance.timeOrigin + performance.now(), ms since the epoch. */
  nowEpochMs: number;
}

/** The offset estimate of a shard's clock: coordinator time = shard time + offsetMs, give or take uncertaintyMs. */
export interface ClockEstimate {
  offsetMs: number;
  /** Half the shortest round trip: the most the true offset can differ from offsetMs, ms. */
  uncertaintyMs: number;
  /** That shortest round trip, ms. */
  rttMs: number;
  /** Pairs measured. */
  samples: number;
}

export interface ShardHello {
  /** This process, as a random id: a second process for the same slice (a restarted pod) is told apart from a retried hello. */
  instance: string;
  /** The slice the shard took from the plan; the collector refuses a hello whose slice is not the one it planned. */
  firstIndex: number;
  agents: number;
  clock: ClockEstimate;
  host: string;
  pid: number;
}

/** The first line of every events POST. */
export interface BatchHeader {
  kind: 'batch';
  /** 1, 2, 3, ... per shard process; a retried batch keeps its number. */
  seq: number;
  /** Event lines after this one. */
  events: number;
  /** Events in batches 1..seq together: the collector checks it received exactly that many. */
  sentEvents: number;
  /** The shard's agents by state when the batch left. */
  counts: FleetCounts;
  /** Events the shard's buffer could not hold since it started, by kind (cumulative). */
  lost: Record<string, number>;
  /** The shard's agents have all been started (its ramp is over). */
  started: boolean;
  /** The last batch: the shard has stopped its agents. */
  final: boolean;
}

/** The collector's answer to an events POST (200): the highest sequence number it holds; a batch at or below it is never applied twice. */
export interface BatchAck {
  ack: number;
  /** The batch was one the collector already had (its earlier ack was lost). */
  duplicate?: boolean;
}

/** One batch as it travels: what both transports (IPC and HTTP) send. */
export interface ShardBatch extends Omit<BatchHeader, 'kind' | 'events'> {
  events: AgentEvent[];
}

export function encodeBatch(batch: ShardBatch): string {
  const { events, ...rest } = batch;
  const header: BatchHeader = { kind: 'batch', ...rest, events: events.length };
  let text = `${JSON.stringify(header)}\n`;
  for (const event of events) text += `${JSON.stringify(event)}\n`;
  return text;
}

/** Reads an events body; throws an Error naming the first thing wrong (the collector answers 400 with it). */
export function decodeBatch(text: string): ShardBatch {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = parseLine(lines[0], 1) as Partial<BatchHeader>;
  if (header.kind !== 'batch') throw new Error('line 1 is not a batch header');
  for (const name of ['seq', 'events', 'sentEvents'] as const) {
    if (!Number.isSafeInteger(header[name]) || header[name]! < 0) throw new Error(`header field ${name} must be a whole number, got ${JSON.stringify(header[name])}`);
  }
  if (header.seq! < 1) throw new Error('header field seq starts at 1');
  const counts = header.counts;
  if (typeof counts !== 'object' || counts === null || ![counts.connected, counts.polling, counts.down].every((n) => Number.isSafeInteger(n) && n >= 0)) throw new Error('header field counts must be { connected, polling, down }');
  const lost = header.lost;
  if (typeof lost !== 'object' || lost === null || Object.values(lost).some((n) => !Number.isSafeInteger(n) || n < 0)) throw new Error('header field lost must map event kinds to counts');
  if (typeof header.started !== 'boolean' || typeof header.final !== 'boolean') throw new Error('header fields started and final must be booleans');
  if (lines.length - 1 !== header.events) throw new Error(`the header announces ${header.events} events, the body holds ${lines.length - 1}`);
  const events: AgentEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    const event = parseLine(lines[i], i + 1) as Partial<AgentEvent>;
    if (typeof event.t !== 'number' || !Number.isFinite(event.t) || typeof event.agent !== 'string' || typeof event.type !== 'string') throw new Error(`line ${i + 1} is not an agent event (t, agent, type)`);
    events.push(event as AgentEvent);
  }
  return { seq: header.seq!, sentEvents: header.sentEvents!, counts, lost, started: header.started, final: header.final, events };
}

function parseLine(line: string | undefined, n: number): unknown {
  if (line === undefined || line === '') throw new Error(`line ${n} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`line ${n} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`line ${n} is not a JSON object`);
  return value;
}

/**
 * The offset from request/response pairs (NTP's rule): each pair gives
 * offset = server - (sent + rtt / 2), true within rtt / 2; the pair with the
 * shortest round trip is the tightest.
 */
export function estimateClock(pairs: readonly { sentMs: number; receivedMs: number; serverMs: number }[]): ClockEstimate {
  if (pairs.length === 0) throw new Error('no clock samples');
  let best = pairs[0]!;
  for (const p of pairs) if (p.receivedMs - p.sentMs < best.receivedMs - best.sentMs) best = p;
  const rttMs = Math.max(0, best.receivedMs - best.sentMs);
  const round = (n: number) => Math.round(n * 1_000) / 1_000;
  return { offsetMs: round(best.serverMs - (best.sentMs + rttMs / 2)), uncertaintyMs: round(rttMs / 2), rttMs: round(rttMs), samples: pairs.length };
}
