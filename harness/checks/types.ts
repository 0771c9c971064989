import type { HistoryEvent } from '../history/events.ts';
import type { MetricSamples } from '../../common/prom-text.ts';
import type { HubMetricNames } from '../../protocol/wire.ts';
import { METRIC_NAMES } from '../../protocol/v1.ts';

/**
 * A check's outcome: the only thing reporters and the exit code read.
 * Generic over its evidence, so a test or reporter that knows which check it
 * holds reads the evidence typed (see `EvidenceOf` in index.ts).
 */
export type CheckResult<Evidence = unknown> = CheckHead & Verdict<Evidence>;

/** What a check function returns: its result without the id and kind, which its CHECKERS entry stamps. */
export type CheckOutcome<Evidence = unknown> = OutcomeHead & Verdict<Evidence>;

type Verdict<Evidence> = { status: 'passed'; evidence?: Evidence } | { status: 'failed'; evidence: Evidence } | { status: 'skipped'; reason: string };

interface CheckHead extends OutcomeHead {
  /** The check's name in reports ('connection-loop'): its CHECKERS entry's `id`. */
  id: string;
  /** 'hub': judges the hub (a failure is exit 1); 'validity': judges whether the run could judge (a failure is exit 2). Set by evaluateChecks. */
  kind?: 'hub' | 'validity';
}

interface OutcomeHead {
  title: string;
  summary: string;
  /**
   * On a failed check whose every reason is that something took too long (an agent back late, a
   * poll or probe unanswered in time, a silent link noticed late): the stretches of the run the
   * hub was given to do it. machine-headroom reads them: late while the machine was saturated is
   * not the hub's doing. Left out when any reason is not about time (an HTTP 500, a misroute).
   */
  lateDuring?: TimeWindow[];
  /**
   * On a validity check: its failure takes only some hub checks out of the verdict (it set them
   * skipped), so a hub check that still failed judges the run (exit 1) and this one makes the run
   * invalid only when none did. machine-headroom is one: lateness on a saturated machine is not
   * the hub's, a loop is.
   */
  partial?: true;
}

/** A stretch of the run, ms since its start. */
export interface TimeWindow {
  fromMs: number;
  toMs: number;
  /**
   * On a late window: 'hub' when what came late was an answer the hub owed (a probe, a poll), so
   * only the hub's side being starved (the hub, a proxy) excuses it; absent when the fleet's own
   * timers are part of it too (an agent back late, a silent link noticed late).
   */
  waitingOn?: 'hub';
}

export interface CheckInput {
  events: readonly HistoryEvent[];
  /** Every agent id in the fleet, including ones that never produced an event. */
  agents: readonly string[];
  /** The hub's /metrics at the end of the run, when it has one. */
  hubMetrics?: MetricSamples;
  /** What the hub's metrics the checks read are named on its wire (its protocol's profile); an unnamed one's check skips. Default: protocol v1's names. */
  hubMetricNames?: HubMetricNames;
  /** The hub's protocol, for skip reasons. Default 'v1'. */
  protocol?: string;
  /** The close the hub sends a connection that a newer one of the same agent replaced, when its protocol says (v1: 1000 "New connection established"). */
  replaceClose?: { code: number; reason: string };
  /** One agent's upgrade URL on that protocol, for messages that say where the agents dial. */
  upgradeUrl?: string;
  /** Why there are no hub metrics, when there are none. */
  hubMetricsMissing?: string;
  /** Why no commands were issued, when none were. */
  commandsMissing?: string;
  /** Which agents sat behind which proxy, so a fault's window applies to the right agents. */
  groups?: readonly { name: string; agents: readonly string[] }[];
  /** Ms since start at which observation ended. */
  endMs: number;
  /** Events the history counted but did not store past its cap, by kind. */
  eventsDropped?: Readonly<Record<string, number>>;
  /** Events that never reached the history (a fleet shard's buffer overflowed), by kind. */
  eventsLost?: Readonly<Record<string, number>>;
}

/**
 * The name the hub's metric `key` has on its wire, or why a check that reads it cannot: a
 * protocol whose profile does not name it. Without names (a history from a v1 run), v1's.
 */
export function hubMetricName(input: Pick<CheckInput, 'hubMetricNames' | 'protocol'>, key: keyof HubMetricNames): { name: string } | { missing: string } {
  const name = (input.hubMetricNames ?? METRIC_NAMES)[key];
  if (name !== undefined) return { name };
  return { missing: `protocol ${JSON.stringify(input.protocol ?? 'v1')} names no hub metric for ${key} (metrics.names.${key} in its profile)` };
}

/** A pure function from a history (and scraped metrics) to a verdict with evidence. */
export type Checker<Options, Evidence = unknown> = (input: CheckInput, options: Options) => CheckOutcome<Evidence>;
