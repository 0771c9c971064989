import type { HistoryEvent } from './events.ts';

/**
 * Append-only event history of a run. Checkers read `events`; waiters
 * subscribe so the runner can wait for a condition instead of sleeping.
 */
export class History {
  readonly events: HistoryEvent[] = [];
  readonly #listeners = new Set<(event: HistoryEvent) => void>();

  append(event: HistoryEvent): void {
    this.events.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  /** Calls `listener` for each new event until the returned function is called. */
  subscribe(listener: (event: HistoryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
