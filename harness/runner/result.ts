import type { CheckResult } from '../checks/types.ts';
import type { HistoryEvent } from '../history/events.ts';

export const RESULT_SCHEMA_VERSION = 1;

/**
 * passed: every hub check that judged passed. failed: a hub check failed (exit 1).
 * invalid: this run cannot judge the hub (a run-validity check failed, or no
 * hub check judged anything): exit 2. interrupted: stopped early (exit 2).
 */
export type Verdict = 'passed' | 'failed' | 'invalid' | 'interrupted';

/** What one run produced: the stable shape every reporter reads. */
export interface RunResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  scenario: { name: string; description: string };
  params: {
    agents: number;
    durationMs: number;
    seed: string;
    agentIdPrefix: string;
    /** The hub's ping interval the agents assumed (the scenario's, or --hub-ping-interval), ms. */
    pingIntervalMs: number;
    hubDefects: string[];
    agentDefects: string[];
    loop: { minCycles: number; maxConnectionMs: number };
  };
  /** `protocol`: the wire the agents and the harness spoke (a built-in's name or the profile's). */
  hub: { kind: string; url: string; metrics: boolean; admin: boolean; protocol?: string };
  /** The Toxiproxy in use ("embedded http://...", "url http://..."), when agents went through one. */
  proxy?: string;
  /** The fleet's groups, each behind its own proxy (empty when agents dialed the hub directly). */
  groups: { name: string; agents: number; firstAgent: string; lastAgent: string }[];
  startedAt: string;
  /** Wall time from start to the end of observation, ms. */
  elapsedMs: number;
  verdict: Verdict;
  /** Why the run could not judge, and what to do; present when the verdict is 'invalid'. */
  invalid?: { reasons: string[]; fix: string };
  checks: CheckResult[];
  stats: {
    agents: number;
    connects: number;
    disconnects: number;
    connectFailures: number;
    commandsIssued: number;
    commandsApplied: number;
    events: number;
  };
  /** High-volume events counted but not stored once the history reached its cap, by type. */
  eventsDropped?: Record<string, number>;
  /** Events a fleet shard could not deliver (its buffer overflowed), by type: no check saw them. */
  eventsLost?: Record<string, number>;
  /** The command line that replays this run with the same seed. */
  replay: string;
  /** What the replay command needs that it does not print (a token), when anything. */
  replayNote?: string;
  agentIds: string[];
  events: HistoryEvent[];
  /** The hub's final /metrics text, when it has one. */
  hubMetricsText?: string;
  /** Where the run's live Prometheus metrics were served (--metrics-port), while it went. */
  metricsUrl?: string;
  /** The run's own metrics once it had stopped: what /metrics served last; their counters equal `stats`. */
  runMetricsText?: string;
}

const INVALID_FIX =
  'read the run-validity checks: an overloaded harness wants fewer agents, --fleet-shards, or a quieter machine; a fault that did not apply wants a working Toxiproxy; a run where nothing was judged wants a scenario whose checks fit this hub';

/** What to do about an invalid run: a protocol that does not fit the hub is fixed in its profile, whatever else went wrong around it. */
function invalidFix(checks: readonly CheckResult[]): string {
  const misfit = checks.find((c) => c.id === 'wire-fit' && c.status === 'failed');
  if (!misfit) return INVALID_FIX;
  const fix = /\bfix: (.*)$/.exec(misfit.summary)?.[1];
  return `the protocol does not fit the hub (wire-fit), so nothing else this run says can be trusted: ${fix ?? 'fix the protocol profile (docs/protocols.md)'}`;
}

/**
 * The verdict from the checks. A run whose own validity failed, or in which
 * no hub check judged anything, cannot pass or fail the hub: it is invalid,
 * and says why. A partial validity failure (machine-headroom) makes it
 * invalid only when no hub check it left standing failed.
 */
export function verdictOf(checks: readonly CheckResult[], interrupted: boolean): Pick<RunResult, 'verdict' | 'invalid'> {
  if (interrupted) return { verdict: 'interrupted' };
  const hubChecks = checks.filter((c) => c.kind !== 'validity');
  const hubFailed = hubChecks.some((c) => c.status === 'failed');
  // A partial validity failure took its checks out of the verdict; the hub checks left still judge.
  const reasons = checks.filter((c) => c.kind === 'validity' && c.status === 'failed' && !(c.partial && hubFailed)).map((c) => `${c.id}: ${c.summary}`);
  if (!hubChecks.some((c) => c.status !== 'skipped')) {
    const why = hubChecks.length === 0 ? 'the scenario has no hub checks' : hubChecks.map((c) => `${c.id} (${c.status === 'skipped' ? c.reason : c.status})`).join('; ');
    reasons.push(`nothing was judged: every hub check skipped: ${why}`);
  }
  if (reasons.length > 0) return { verdict: 'invalid', invalid: { reasons, fix: invalidFix(checks) } };
  return { verdict: hubFailed ? 'failed' : 'passed' };
}
