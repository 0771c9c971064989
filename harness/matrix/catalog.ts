import { backoffCeilingMs, DEFAULT_BACKOFF } from '../../agent/backoff.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { rampMs } from '../runtime/fleet/config.ts';
import { DEFAULT_PROBE_INTERVAL_MS } from '../runtime/hubs/health.ts';
import type { ScenarioDefinition } from '../scenario/define.ts';

/**
 * Every defect the project knows, each with the scenario meant to catch it
 * and the check(s) expected to fire: the reference hub's defects
 * (server/defects/), the agent's (agent/defects.ts) and the zoo of
 * misbehaving foreign hubs (harness/runtime/hubs/zoo/foreign-hub.mjs
 * --misbehave). `npm run matrix` runs each entry and says which were caught.
 *
 * A new defect is one entry here. Expected checks are check ids as they
 * appear in a result (`connection-loop`); some are not written yet
 * (`hub-health`, `liveness`, command routing): the matrix then reports the
 * entry as missed or caught by other checks, which is the point of having it.
 */

/** Where the defect lives, which decides the hub a run uses. */
export type DefectSource = 'reference-hub' | 'agent' | 'zoo';

export interface CatalogEntry {
  /** Stable name, unique in the catalogue with its hub: the switch as typed (`duplicate-ws-handler`, `replace-loop:7000`). */
  id: string;
  source: DefectSource;
  /** For a zoo defect, the zoo hub that has it, which decides the wire (plan.ts HUB_PROTOCOL). Default 'foreign' (v1). */
  hub?: 'foreign' | 'acme' | 'socketio';
  /** What breaks, in one line. */
  description: string;
  /** A built-in scenario name. */
  scenario: string;
  /** Number of agents. Default: the scenario's. */
  agents?: number;
  /** Steady-phase length in the default matrix and the sweep, ms. Default: the scenario's. */
  durationMs?: number;
  /**
   * The shortest steady phase in which the defect can show, ms: every mode runs at least this
   * long, and --quick runs exactly this. Derived where it is a formula (loopCyclesMs); otherwise
   * the length it was proven at, with the reason beside it.
   */
  minDurationMs: number;
  /** Check ids of which at least one should fail. */
  expect: string[];
  /** Why this scenario, or what the entry is known to show; printed in the report. */
  note?: string;
}

/**
 * How long a loop of `cycles` connections, each closed `closeAfterMs` after it opened, takes to show
 * on every agent of a scenario at its defaults: each cycle is the connection and the slowest first
 * reconnect (the ceiling of the scenario's first backoff window), and the last agent starts a ramp
 * after the first; rounded up to a whole second. The connection-loop check needs 3 cycles (its minCycles).
 */
export function loopCyclesMs(scenario: string, cycles: number, closeAfterMs: number): number {
  const s = scenarioNamed(scenario);
  const slowestRetryMs = backoffCeilingMs({ ...DEFAULT_BACKOFF, ...s.agent?.backoff }, 1);
  return wholeSeconds(cycles * (closeAfterMs + slowestRetryMs) + rampMs(s, { agents: s.defaults.agents }));
}

/** How long a scenario takes to issue `commands` commands to its fleet at its defaults: its command interval each, after the ramp. */
export function commandsMs(scenario: string, commands: number): number {
  const s = scenarioNamed(scenario);
  if (!s.traffic) throw new RangeError(`scenario ${scenario} issues no commands`);
  return wholeSeconds(commands * s.traffic.commandIntervalMs + rampMs(s, { agents: s.defaults.agents }));
}

/** Rounded up to a whole second, as a replay line types it. */
function wholeSeconds(ms: number): number {
  return Math.ceil(ms / 1_000) * 1_000;
}

function scenarioNamed(name: string): ScenarioDefinition {
  const s = SCENARIOS.get(name);
  if (!s) throw new RangeError(`no built-in scenario ${JSON.stringify(name)}`);
  return s;
}

/** The hub-health watcher calls a hub gone after this many probes in a row go unanswered. */
const PROBES_FOR_OUTAGE = 5;

export const CATALOG: readonly CatalogEntry[] = [
  // The reference hub's defects (server/defects/): run on the reference hub with --defect.
  {
    id: 'duplicate-ws-handler',
    source: 'reference-hub',
    description: 'two /ws handlers register each connection: every connection replaced at once (the incident)',
    scenario: 'loop',
    // Three connections in a row, each replaced at once.
    minDurationMs: loopCyclesMs('loop', 3, 0),
    expect: ['connection-loop', 'hub-handlers-per-connection'],
  },
  {
    id: 'volatile-queue',
    source: 'reference-hub',
    description: 'pending commands kept in memory only: a redeploy loses them',
    scenario: 'redeploy',
    // Two redeploys 3 s down with a 5 s backoff ceiling: the scenario's own 30 s (times are fractions of the run).
    minDurationMs: 30_000,
    expect: ['command-delivery'],
  },
  {
    id: 'slow-leak',
    source: 'reference-hub',
    description: 'memory per pong and a listener per connection, never freed',
    scenario: 'soak',
    // The soak scenario's own fleet: the defect's leak (a record per pong) and the soak's growth
    // bounds are both sized for 20 agents. At the matrix's usual 10 it leaked half as fast, about
    // 27 MiB/min of hub RSS against a 24 MiB/min bound, and a run could miss it (one did).
    agents: 20,
    // The GC sawtooth hides the leak in less than the soak's own 2 min (60 s missed it).
    minDurationMs: 120_000,
    expect: ['resource-growth'],
    note: 'the hub runs as a child process, so its growth is not mixed with the matrix process; its GC sawtooth needs the soak scenario default 2 min to tell a leak (60 s missed it), and its default 20 agents (the leak follows pongs)',
  },
  // The agent's defects (agent/defects.ts): the healthy reference hub, broken agents.
  {
    id: 'no-jitter',
    source: 'agent',
    description: 'every agent waits exactly the backoff ceiling: a thundering herd',
    scenario: 'storm',
    agents: 200,
    // The redeploy at 40% of the run, the hub ~1.5 s down, then every agent retries at the 2 s ceiling: all inside 8 s.
    durationMs: 8_000,
    minDurationMs: 8_000,
    expect: ['reconnect-spread'],
  },
  {
    id: 'no-backoff',
    source: 'agent',
    description: 'agents retry every 10 ms after a failure',
    scenario: 'partition',
    // The partition (times are fractions of the run) must last long enough to count retries against a limit: proven at 15 s.
    minDurationMs: 15_000,
    expect: ['reconnect-storm'],
    note: 'the cut-off group retries against a disabled proxy for the whole partition',
  },
  // The zoo: the foreign hub fixture with --misbehave.
  {
    id: 'replace-loop:7000',
    source: 'zoo',
    description: 'every connection closed with 1000 "New connection established" 7 s after it opened',
    scenario: 'loop',
    durationMs: 40_000,
    minDurationMs: loopCyclesMs('loop', 3, 7_000),
    expect: ['connection-loop', 'reconnects'],
    note: 'each connection outlives the loop detector\'s 5 s "short" bound, so it is the same close at a regular period that makes it a loop',
  },
  {
    id: 'replace-loop:30000',
    source: 'zoo',
    description: 'every connection closed with 1000 "New connection established" 30 s after it opened',
    scenario: 'loop',
    durationMs: 100_000,
    minDurationMs: loopCyclesMs('loop', 3, 30_000),
    expect: ['connection-loop'],
    note: 'a loop is 3 connections in a row ending alike: a 30 s period needs about 95 s to show 3 (65 s shows 2, and passes)',
  },
  {
    id: 'die-at:8000',
    source: 'zoo',
    description: 'the hub process exits(1) 8 s after it started listening',
    scenario: 'loop',
    // The exit at 8 s, then the probes that find nobody home.
    minDurationMs: 8_000 + PROBES_FOR_OUTAGE * DEFAULT_PROBE_INTERVAL_MS,
    expect: ['hub-health'],
    note: 'the agents see their sockets close at once, so it is the hub watcher (its exit, the refused probes) that names it',
  },
  {
    id: 'hang-at:8000',
    source: 'zoo',
    description: 'from 8 s on the hub answers nothing (HTTP, frames, pings) but keeps its sockets open',
    scenario: 'loop',
    // Silent from 8 s: 5 probes unanswered, and 2.5 of loop's 2 s ping intervals for the agents' liveness.
    minDurationMs: 8_000 + PROBES_FOR_OUTAGE * DEFAULT_PROBE_INTERVAL_MS,
    expect: ['hub-health', 'liveness'],
    note: 'agents declare a link dead after 2.5 ping intervals (5 s in loop); the liveness check then sees the silence',
  },
  {
    id: 'no-ping',
    source: 'zoo',
    description: 'the hub never sends WebSocket pings',
    scenario: 'half-open',
    // The half-open faults are fractions of the run; the liveness check needs connections past 2 ping intervals: proven at 20 s.
    minDurationMs: 20_000,
    expect: ['liveness'],
    note: 'half-open pings every 2 s, so agents that hear nothing drop healthy links after 5 s',
  },
  {
    id: 'misroute',
    source: 'zoo',
    description: 'each command goes to the next connected agent, not the one it was issued for',
    scenario: 'loop',
    minDurationMs: commandsMs('loop', 4),
    expect: ['command-delivery'],
  },
  {
    id: 'phantom-duplicate',
    source: 'zoo',
    description: 'each command is also sent under a second id the harness never issued',
    scenario: 'loop',
    minDurationMs: commandsMs('loop', 4),
    expect: ['command-delivery'],
  },
  {
    id: 'redeliver-after-ack',
    source: 'zoo',
    description: 'each command is delivered once more after the agent acked it',
    scenario: 'loop',
    minDurationMs: commandsMs('loop', 4),
    expect: ['command-delivery'],
  },
  {
    id: 'ignore-acks',
    source: 'zoo',
    description: 'acks remove nothing: every command comes again on each poll and reconnect',
    scenario: 'redeploy',
    // The redeploy scenario's own 30 s: commands acked before a redeploy come again after it.
    minDurationMs: 30_000,
    expect: ['command-delivery'],
  },
  {
    id: 'poll-500',
    source: 'zoo',
    description: 'GET /edge/commands answers 500',
    scenario: 'redeploy',
    // The redeploy scenario's own 30 s: agents poll while the hub is back and their WebSocket is not.
    minDurationMs: 30_000,
    expect: ['polling-fallback', 'hub-health'],
    note: 'agents poll between the new hub coming up and their WebSocket reconnecting',
  },
  {
    id: 'leak',
    source: 'zoo',
    description: 'keeps 512 KiB per acked command and 2 MiB per connection, never freed, in a hub started behind sh -c',
    scenario: 'soak',
    // As slow-leak: the soak's growth bounds are sized for its own 20 agents and 2 min, and a
    // process hub restarts at each redeploy, so each incarnation needs the full slot to show a slope.
    agents: 20,
    minDurationMs: 120_000,
    expect: ['resource-growth'],
    note: 'the leak lives in node, the child of the `sh -c` that --hub-cmd starts: only the sum over the shell\'s process tree shows it (the shell\'s own RSS never moves); the evidence names the node process',
  },
  {
    id: 'admin-404-for:3000',
    source: 'zoo',
    description: 'POST /admin/commands answers 404 for the first 3 s, then works',
    scenario: 'loop',
    // Past the 3 s of 404s (counted from the hub's start), with commands that then succeed.
    minDurationMs: 3_000 + commandsMs('loop', 3),
    expect: ['command-delivery', 'hub-health'],
    note: 'the harness keeps issuing through the 404s; command-delivery names their time window',
  },
  {
    id: 'slow:6000',
    source: 'zoo',
    description: 'accepts each WebSocket and answers each poll 6 s late, on timers: slow while the machine idles',
    scenario: 'redeploy',
    // The redeploy scenario's own 30 s: two redeploys, each followed by polls the slow hub answers too late.
    minDurationMs: 30_000,
    expect: ['polling-fallback', 'recovery'],
    note: 'polls time out (the agents wait 5 s) while the hub is up and the machine has headroom: machine-headroom must leave the failure standing',
  },
  // The zoo on other wires: the same defects on a custom JSON hub in Python (--protocol its profile)
  // and on a Socket.IO hub (--protocol socket.io), so the judge is proven through the protocol seam.
  ...(['acme', 'socketio'] as const).flatMap((hub): CatalogEntry[] => {
    const wire = hub === 'acme' ? 'the acme hub (custom JSON, Python)' : 'the Socket.IO hub';
    return [
      {
        id: 'double-register',
        source: 'zoo',
        hub,
        description: `${wire} registers each connection twice, so each replaces itself at once (the incident on its wire)`,
        scenario: 'loop',
        minDurationMs: loopCyclesMs('loop', 3, 0),
        expect: ['connection-loop'],
      },
      {
        id: 'misroute',
        source: 'zoo',
        hub,
        description: `${wire} delivers each command to the next connected agent, not the one it was issued for`,
        scenario: 'loop',
        minDurationMs: commandsMs('loop', 4),
        expect: ['command-delivery'],
      },
      {
        id: 'no-heartbeat-at:3000',
        source: 'zoo',
        hub,
        description: `from 3 s on ${wire} sends nothing, its heartbeats included, while its sockets stay open`,
        scenario: 'loop',
        // Silent from 3 s; agents judge a link dead after 2.5 of loop's 2 s heartbeat intervals; liveness reads the closed connections.
        minDurationMs: wholeSeconds(3_000 + 3 * 2_000 + rampMs(scenarioNamed('loop'), { agents: scenarioNamed('loop').defaults.agents })),
        expect: ['liveness'],
        note: 'the hub stops its app heartbeats (acme) or its Engine.IO pings (Socket.IO): the liveness check sees the silence on either wire',
      },
    ];
  }),
];

/** camelCase config keys (`hubHealth`) and check ids (`hub-health`) compare equal. */
export function normalizeCheckId(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
