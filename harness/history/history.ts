import type { HistoryEvent } from './events.ts';

/**
 * Kinds of event that are kept however long the run: connections, commands,
 * faults, redeploys, samples. The loop detector, delivery, recovery and
 * durations read only these, so they stay exact past the cap.
 */
const ALWAYS_KEPT = new Set<HistoryEvent['type']>([
  'ws.open',
  'ws.close',
  'ws.dead',
  'command',
  'command.acked',
  'command.issued',
  'command.issue.failed',
  'fault.applied',
  'fault.removed',
  'fault.error',
  'hub.redeploy',
  'hub.redeploy.failed',
  'fleet.shard.exit',
  'fleet.shard.lost',
  'hub.health',
  'hub.probes',
  'hub.exit',
  'run.phase',
  'resource.sample',
  'machine.sample',
]);

/** Whether the history keeps every event of this kind past its cap (so any check may read it). */
export function isAlwaysKept(type: string): boolean {
  return ALWAYS_KEPT.has(type as HistoryEvent['type']);
}

/** Default cap on stored events: about a few hundred MB of history at most. */
export const DEFAULT_MAX_EVENTS = 2_000_000;

/**
 * Append-only event history of a run. Checkers read `events`; waiters
 * subscribe so the runner can wait for a condition instead of sleeping.
 * Past `maxEvents`, the high-volume kinds (connect attempts, polls, backoff
 * schedules) are only counted in `dropped`, so a looping 10,000-agent fleet
 * cannot exhaust memory; listeners still see every event.
 */
export class History {
  readonly events: HistoryEvent[] = [];
  /** Events not stored because the cap was reached, by type. */
  readonly dropped: Partial<Record<HistoryEvent['type'], number>> = {};
  /** Events that never reached the history (a fleet shard's buffer overflowed), by type: no check saw them. */
  readonly lost: Partial<Record<HistoryEvent['type'], number>> = {};
  readonly #maxEvents: number;
  readonly #listeners = new Set<(event: HistoryEvent) => void>();

  constructor(maxEvents = DEFAULT_MAX_EVENTS) {
    this.#maxEvents = maxEvents;
  }

  append(event: HistoryEvent): void {
    if (this.events.length < this.#maxEvents || ALWAYS_KEPT.has(event.type)) this.events.push(event);
    else this.dropped[event.type] = (this.dropped[event.type] ?? 0) + 1;
    for (const listener of this.#listeners) listener(event);
  }

  /** Counts events lost on their way here (by type), as a shard reports them. */
  noteLost(type: string, count: number): void {
    if (count <= 0) return;
    const key = type as HistoryEvent['type'];
    this.lost[key] = (this.lost[key] ?? 0) + count;
  }

  /** Calls `listener` for each new event until the returned function is called. */
  subscribe(listener: (event: HistoryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
