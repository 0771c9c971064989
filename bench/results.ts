/**
 * What one bench run measured, as plain data: the table, the console output
 * and bench.test.ts all read this, never the measuring code.
 */

/** A section either measured, or says why it has no numbers. */
export type Outcome<T> =
  | { status: 'measured'; value: T }
  | { status: 'unavailable'; reason: string }
  | { status: 'skipped'; reason: string };

/** N idle connections held by one client. */
export interface HoldMeasurement {
  agents: number;
  /** From the first start to all N open at once, ms. */
  connectMs: number;
  agentsPerSecond: number;
  /** Handshakes that failed and were retried; undefined where the client does not say (Artillery). */
  failedAttempts?: number;
  /** Resident set growth per held connection, bytes. */
  rssPerConnectionBytes: number;
  /** V8 heap growth per held connection after GC, bytes; undefined where the process cannot be GC'd on demand (Artillery). */
  heapPerConnectionBytes?: number;
  /** CPU time spent opening the connections, per connection, ms. */
  connectCpuMsPerConnection: number;
  /** CPU used while the connections sit idle, % of one core. */
  idleCpuPercent: number;
}

/** One side's runs and the median of each figure over them. */
export interface HoldSummary {
  median: HoldMeasurement;
  runs: HoldMeasurement[];
}

export interface ArtilleryHold {
  measurement: HoldMeasurement;
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
  /** 1-minute load average when the bench started: above 0.5 or so, other work shared the cores and the figures are noisier. */
  loadAverage1m: number;
}

export interface BenchSettings {
  agents: number;
  /** Fleet and bare: handshakes under way at most (holder/bounded-start.ts). */
  maxInFlight: number;
  runsPerSide: number;
  /** Pause after the last open before memory is read, ms. */
  settleMs: number;
  /** Idle CPU is read over this long, ms. */
  idleWindowMs: number;
  connectTimeoutMs: number;
  /** Ping round trips: measuring time per path per round, ms, and rounds. */
  proxyBlockMs: number;
  proxyRounds: number;
  quick: boolean;
}

export interface BenchResult {
  machine: MachineInfo;
  settings: BenchSettings;
  fleet: Outcome<HoldSummary>;
  bare: Outcome<HoldSummary>;
  artillery: Outcome<ArtilleryHold>;
  proxy: Outcome<ProxyLatency>;
  /** Whole run, ms. */
  totalMs: number;
}
