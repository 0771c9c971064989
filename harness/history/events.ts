import type { AgentEvent } from '../../agent/events.ts';

/** What the harness itself did, on the same clock as the agents' observations. */
export type HarnessEvent =
  | { t: number; type: 'run.phase'; phase: 'ramp' | 'steady' | 'settle' | 'stop' }
  /** `token`: the run's own token for the command, in its payload too (protocol/wire.ts COMMAND_TOKEN_FIELD). */
  | { t: number; type: 'command.issued'; agent: string; id: string; name: string; token?: string }
  /**
   * One admin call that did not issue its command: `t` when it failed, `sentAtMs` when it was sent,
   * `status` when the hub answered (404/405 included). The hub may still have enqueued `name` (a timeout).
   */
  /** `unreadable`: the hub answered 2xx, but without a command id where the protocol says: the profile does not fit its issuing call. */
  | { t: number; type: 'command.issue.failed'; agent: string; name: string; token?: string; sentAtMs: number; error: string; status?: number; unreadable?: boolean }
  | { t: number; type: 'fault.applied'; fault: string; kind: string; target: string; detail: Record<string, unknown> }
  | { t: number; type: 'fault.removed'; fault: string; kind: string; target: string; atStop?: boolean }
  | { t: number; type: 'fault.error'; error: string }
  | { t: number; type: 'hub.redeploy'; name: string; kind: string; phase: 'begin' | 'end'; detail?: Record<string, unknown> }
  | { t: number; type: 'hub.redeploy.failed'; name: string; error: string }
  /** A fleet shard process exited before the run stopped it. */
  | { t: number; type: 'fleet.shard.exit'; shard: number; agents: string; how: string }
  /**
   * A fleet shard the run can no longer trust, its process alive or not: it stopped streaming for
   * longer than the grace, its clock offset is too uncertain for cross-agent checks, a second process
   * ran its slice, it stopped before the run did, or its last events never arrived. `why` says which.
   */
  | { t: number; type: 'fleet.shard.lost'; shard: number; agents: string; why: string }
  | HubHealthEvent
  | HubProbesEvent
  | HubExitEvent
  | ResourceSampleEvent
  | MachineSampleEvent;

/**
 * The hub watcher (harness/runtime/hubs/health.ts) probes the serving hub's
 * GET /healthz about once a second and records only when the answer changes,
 * so a long run's history stays small. `t` is the start of the probe that
 * found the change; any HTTP answer below 500 counts as answering.
 */
export type HubHealthEvent =
  | {
      t: number;
      type: 'hub.health';
      state: 'up';
      url: string;
      /** How long the probe took to be answered, ms. */
      latencyMs: number;
      /** The health endpoint's HTTP status; absent when the probe was a TCP connect (a hub without one). */
      status?: number;
      /** The outage this answer ends: when each of its failed probes started (the last 1,000), ms. */
      failedAtMs?: number[];
      /** How many probes of that outage failed (may exceed failedAtMs.length). */
      failedProbes?: number;
    }
  | {
      t: number;
      type: 'hub.health';
      state: 'down';
      url: string;
      /** How long the probe took to fail, ms (the timeout when nothing answered). */
      latencyMs: number;
      /** e.g. 'ECONNREFUSED', 'no answer within 4000 ms', 'HTTP 503'. */
      reason: string;
      status?: number;
    };

/** The watcher's totals, recorded once when it stops (just before the run's 'stop' phase). */
export interface HubProbesEvent {
  t: number;
  type: 'hub.probes';
  probes: number;
  answered: number;
  intervalMs: number;
  timeoutMs: number;
  /** The slowest answer, ms. */
  maxLatencyMs: number;
  /** The outage still going on when the watcher stopped: when each failed probe started (the last 1,000); empty when the hub answered last. */
  failedAtMs: number[];
  failedProbes: number;
}

/** A hub process the harness started has exited. `planned` when the harness stopped it (a redeploy, a crash redeploy's SIGKILL). */
export interface HubExitEvent {
  t: number;
  type: 'hub.exit';
  hub: string;
  pid?: number;
  code: number | null;
  signal: string | null;
  planned: boolean;
}

/**
 * One reading of one component's resources (harness/runtime/resources.ts).
 * Fields a component cannot report are left out, never zero, so a plot draws
 * a gap rather than a false floor.
 */
export interface ResourceSampleEvent {
  t: number;
  type: 'resource.sample';
  /** 'harness' is this process (the fleet, and the hub and proxy when they run in-process); others are child processes by name, e.g. 'hub'. */
  component: string;
  /** The process read. A child's pid changes when it is restarted (a redeploy): each pid is one incarnation. */
  pid: number;
  /** Resident set size, bytes. */
  rssBytes: number;
  /** V8 heap in use, bytes (this process only). */
  heapUsedBytes?: number;
  /** Memory of Buffers and other objects outside the V8 heap, bytes (this process only). */
  externalBytes?: number;
  /** Open handles: active libuv resources for this process, open file descriptors for a child. */
  handles?: number;
  /** Event-loop delay, p99 over the interval since the previous sample, ms (this process only). */
  loopLagMs?: number;
  /**
   * CPU time the component used since its previous sample over the wall time between them, in
   * cores (1 = one core busy the whole interval; a process tree can exceed 1). Left out on the
   * first sample of a pid (no interval behind it yet).
   */
  cpuCores?: number;
  /**
   * Time the component's processes were runnable but waiting for a CPU since its previous sample,
   * over the wall time (the kernel's run_delay of each process's main thread, summed: 0.3 is 300 ms
   * of waiting a second). A process that wanted CPU and could not get it was starved; a hub that
   * hangs or waits on its own timers accrues none. Left out where it cannot be read.
   */
  cpuWaitShare?: number;
  /**
   * The processes summed into this sample when the component is a process tree (a `--hub-cmd`
   * hub behind `sh -c` and its descendants), each with its command line (cut at 200 characters).
   * Left out of the harness's own sample; a child component lists even a lone process, so the
   * evidence can name the command it measured.
   */
  processes?: { pid: number; command: string }[];
  /**
   * When the component is a container (a `--hub-runtime container` hub): the container, whose
   * init process `pid` is on this host. Its memory is then the cgroup's anon + mapped file
   * memory ('cgroup'), or its processes' VmRSS summed where no memory cgroup could be read
   * ('processes'); its CPU the cgroup's.
   */
  container?: { id: string; name: string; memory: 'cgroup' | 'processes' };
}

/**
 * The whole machine over the interval since the previous sample (Linux /proc/stat and
 * /proc/loadavg; left out where there is no /proc): what the run's timing rests on. A
 * saturated machine delays the hub, the proxy and the fleet alike, so a timing check that
 * fails while it is saturated cannot blame the hub (harness/checks/machine-headroom.ts).
 */
export interface MachineSampleEvent {
  t: number;
  type: 'machine.sample';
  /** CPUs the kernel schedules on. */
  cores: number;
  /** Share of all cores' time spent busy (not idle or iowait) over the interval, 0..1. */
  busyShare: number;
  /** Runnable tasks at the sample (procs_running of /proc/stat, this sampler's own thread not counted). */
  runQueue: number;
}

export type { AgentEvent };

/** One timestamped history of everything observable in a run; `t` is ms since the run started. */
export type HistoryEvent = AgentEvent | HarnessEvent;

export type EventOf<T extends HistoryEvent['type']> = Extract<HistoryEvent, { type: T }>;
