import type { CheckResult } from '../checks/types.ts';
import type { HistoryEvent } from '../history/events.ts';

export const RESULT_SCHEMA_VERSION = 1;

export type Verdict = 'passed' | 'failed' | 'interrupted';

/** What one run produced: the stable shape every reporter reads. */
export interface RunResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  scenario: { name: string; description: string };
  params: {
    agents: number;
    durationMs: number;
    seed: string;
    agentIdPrefix: string;
    hubDefects: string[];
    agentDefects: string[];
    loop: { minCycles: number; maxConnectionMs: number };
  };
  hub: { kind: string; url: string; metrics: boolean; admin: boolean };
  /** The Toxiproxy in use ("embedded http://...", "url http://..."), when agents went through one. */
  proxy?: string;
  /** The fleet's groups, each behind its own proxy (empty when agents dialed the hub directly). */
  groups: { name: string; agents: number; firstAgent: string; lastAgent: string }[];
  startedAt: string;
  /** Wall time from start to the end of observation, ms. */
  elapsedMs: number;
  verdict: Verdict;
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
  /** The command line that replays this run with the same seed. */
  replay: string;
  /** What the replay command needs that it does not print (a token), when anything. */
  replayNote?: string;
  agentIds: string[];
  events: HistoryEvent[];
  /** The hub's final /metrics text, when it has one. */
  hubMetricsText?: string;
}

export function verdictOf(checks: readonly CheckResult[], interrupted: boolean): Verdict {
  if (interrupted) return 'interrupted';
  return checks.some((c) => c.status === 'failed') ? 'failed' : 'passed';
}
