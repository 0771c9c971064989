import type { HistoryEvent } from '../history/events.ts';
import type { MetricSamples } from '../../common/prom-text.ts';

/** A check's outcome: the only thing reporters and the exit code read. */
export type CheckResult =
  | { id: string; title: string; status: 'passed'; summary: string; evidence?: unknown }
  | { id: string; title: string; status: 'failed'; summary: string; evidence: unknown }
  | { id: string; title: string; status: 'skipped'; summary: string; reason: string };

export interface CheckInput {
  events: readonly HistoryEvent[];
  /** Every agent id in the fleet, including ones that never produced an event. */
  agents: readonly string[];
  /** The hub's /metrics at the end of the run, when it has one. */
  hubMetrics?: MetricSamples;
  /** Why there are no hub metrics, when there are none. */
  hubMetricsMissing?: string;
  /** Why no commands were issued, when none were. */
  commandsMissing?: string;
  /** Which agents sat behind which proxy, so a fault's window applies to the right agents. */
  groups?: readonly { name: string; agents: readonly string[] }[];
  /** Ms since start at which observation ended. */
  endMs: number;
}

/** A pure function from a history (and scraped metrics) to a verdict with evidence. */
export type Checker<Options> = (input: CheckInput, options: Options) => CheckResult;
