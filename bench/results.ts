import type { ProtocolChoice } from './sides.ts';

/**
 * What one bench run measured, as plain data: the table, the console output
 * and bench.test.ts all read this, never the measuring code.
 */

/** A section either measured, or says why it has no numbers. */
export type Outcome<T> =
  | { status: 'measured'; value: T }
  | { status: 'unavailable'; reason: string }
  | { status: 'skipped'; reason: string };

/**
 * Fewer connections than this, and RSS growth per connection is noise: the
 * allocator's and the GC's run-to-run swing is a few MB, so a 200-connection
 * run once read -0.8 KiB per connection. From 1,000 on, the growth (about
 * 10 MB for bare ws) is several times that swing and the min-to-max spread
 * over the runs shows what is left. V8 heap after forced GCs is steady at
 * any size and is always reported.
 */
export const MIN_CONNECTIONS_FOR_RSS = 1_000;

/** RSS growth per connection, or undefined where N is too small for it to mean anything. */
export function rssPerConnection(growthBytes: number, connections: number): number | undefined {
  return connections >= MIN_CONNECTIONS_FOR_RSS ? growthBytes / connections : undefined;
}

/** N idle connections held by one client. */
export interface HoldMeasurement {
  agents: number;
  /** From the first start to all N open at once, ms. */
  connectMs: number;
  agentsPerSecond: number;
  /** Handshakes that failed and were retried; undefined where the client does not say (Artillery). */
  failedAttempts?: number;
  /** Resident set growth per held connection, bytes; undefined below MIN_CONNECTIONS_FOR_RSS. */
  rssPerConnectionBytes?: number;
  /** V8 heap growth per held connection after GC, bytes; undefined where the process cannot be GC'd on demand (Artillery). */
  heapPerConnectionBytes?: number;
  /** CPU time spent opening the connections, per connection, ms. */
  connectCpuMsPerConnection: number;
  /** CPU used while the connections sit idle, % of one core. */
  idleCpuPercent: number;
}

/** One side's runs at one size, and each figure's median and range over them (summary.ts). */
export interface HoldSummary {
  median: HoldMeasurement;
  min: HoldMeasurement;
  max: HoldMeasurement;
  runs: HoldMeasurement[];
}

export interface ArtilleryHold {
  summary: HoldSummary;
  /** The pace its arrivals were given: its connect rate is this, not its capacity. */
  arrivalsPerSecond: number;
  version: string;
  /** Where it came from in this run: found installed, or installed now. */
  install: string;
}

export interface LatencyPercentiles {
  samples: number;
  p50Us: number;
  p99Us: number;
}

/** WebSocket ping round trips to the hub, by path. */
export interface ProxyLatency {
  direct: LatencyPercentiles;
  /** Through the embedded Toxiproxy running in the client's process (as the harness runs it). */
  embedded: LatencyPercentiles;
  /** Through the same Toxiproxy as a process of its own. */
  standalone: LatencyPercentiles;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramBytes: number;
  node: string;
  os: string;
  date: string;
}

/** 1-, 5- and 15-minute load averages, as os.loadavg() gives them. */
export type LoadAverage = [number, number, number];

export interface BenchSettings {
  /** The size the headline table shows: one of `sizes`. */
  agents: number;
  /** Every size measured, ascending: one for a plain bench, several for --curve. */
  sizes: number[];
  curve: boolean;
  /** Fleet and bare: handshakes under way at most (holder/bounded-start.ts). */
  maxInFlight: number;
  runsPerSide: number;
  /** Pause after the last open before memory is read, ms. */
  settleMs: number;
  /** Idle CPU is read over this long, ms. */
  idleWindowMs: number;
  /** Ping round trips: measuring time per path per round, ms, and rounds. */
  proxyBlockMs: number;
  proxyRounds: number;
  quick: boolean;
  /** What --protocols chose (v1 brings bare ws with it); the other protocols are measured at `agents` only. */
  protocols: ProtocolChoice[];
}

/** Every client holding one number of connections (bench/sides.ts says what each is). */
export interface HoldPoint {
  agents: number;
  /** The Fleet on protocol v1 against the reference hub. */
  fleet: Outcome<HoldSummary>;
  bare: Outcome<HoldSummary>;
  /** The Fleet on the custom JSON profile against the acme hub (Python). */
  json: Outcome<HoldSummary>;
  /** The Fleet on Socket.IO against the zoo's Socket.IO hub. */
  socketio: Outcome<HoldSummary>;
  artillery: Outcome<ArtilleryHold>;
}

export interface BenchResult {
  machine: MachineInfo;
  /**
   * Load averages when the bench started and when it ended: above 0.5 or
   * so per core, other work shared the cores and the figures are noisier.
   */
  loadAverage: { atStart: LoadAverage; atEnd: LoadAverage };
  settings: BenchSettings;
  /** One per size in settings.sizes, in that order. */
  points: HoldPoint[];
  proxy: Outcome<ProxyLatency>;
  /** Whole run, ms. */
  totalMs: number;
}
