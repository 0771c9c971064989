import type { AgentEvent } from '../../../../agent/events.ts';
import type { FleetCounts } from '../fleet.ts';
import type { ShardBatch } from './wire.ts';

/**
 * Delivers one batch: resolves once the other side holds it (the IPC
 * channel took it, the collector acked its sequence number), rejects only
 * when it never will (the coordinator is gone); retrying is the uplink's job.
 */
export type Uplink = (batch: ShardBatch) => Promise<void>;

export interface OutboxOptions {
  uplink: Uplink;
  counts: () => FleetCounts;
  flushIntervalMs: number;
  maxBufferedEvents: number;
  maxBatchEvents: number;
  /** The uplink gave up: the shard must stop. */
  onFailure: (error: unknown) => void;
}

/**
 * The shard's one event sink, whatever carries the events: the fleet writes
 * here, and one batch at a time goes to the uplink. While a batch is on its
 * way, events wait in a bounded buffer (back-pressure); past its bound they
 * are lost, counted by kind, and every batch reports the count, so the
 * coordinator knows its history is incomplete rather than believing it.
 */
export class ShardOutbox {
  readonly #options: OutboxOptions;
  #buffer: AgentEvent[] = [];
  readonly #lost: Record<string, number> = {};
  #seq = 0;
  #sentEvents = 0;
  #started = false;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #failed = false;
  #closing: Promise<void> | undefined;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  /** The fleet's sink. */
  readonly push = (event: AgentEvent): void => {
    if (this.#buffer.length >= this.#options.maxBufferedEvents || this.#failed) {
      this.#lost[event.type] = (this.#lost[event.type] ?? 0) + 1;
      return;
    }
    this.#buffer.push(event);
  };

  get lost(): Readonly<Record<string, number>> {
    return this.#lost;
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  /** Sends a batch every flush interval (an empty one too: a heartbeat with the counts). */
  start(): void {
    this.#timer ??= setInterval(() => void this.#pump(false), this.#options.flushIntervalMs);
  }

  /** The fleet has started every agent; the next batch says so. */
  markStarted(): void {
    this.#started = true;
    void this.#pump(false);
  }

  /** Sends what is left, the last batch marked final. Resolves when it was delivered or the uplink gave up. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      while (this.#sending) await this.#sending;
      if (!this.#failed) await this.#pump(true);
    })();
    return this.#closing;
  }

  /** Stops sending without a last batch (the uplink is gone). */
  abandon(): void {
    clearInterval(this.#timer);
    this.#failed = true;
  }

  #pump(final: boolean): Promise<void> {
    if (this.#sending || this.#failed) return this.#sending ?? Promise.resolve();
    this.#sending = (async () => {
      try {
        // A backlog goes out batch after batch without waiting for the next tick; the final one goes out even when empty.
        do {
          const events = this.#buffer.length <= this.#options.maxBatchEvents ? this.#buffer : this.#buffer.slice(0, this.#options.maxBatchEvents);
          this.#buffer = events === this.#buffer ? [] : this.#buffer.slice(events.length);
          this.#sentEvents += events.length;
          const last = final && this.#buffer.length === 0;
          await this.#options.uplink({ seq: ++this.#seq, events, sentEvents: this.#sentEvents, counts: this.#options.counts(), lost: { ...this.#lost }, started: this.#started, final: last });
        } while (this.#buffer.length >= this.#options.maxBatchEvents || (final && this.#buffer.length > 0));
      } catch (error) {
        this.abandon();
        this.#options.onFailure(error);
      } finally {
        this.#sending = undefined;
      }
    })();
    return this.#sending;
  }
}
