import { MAX_TIMER_MS } from '../timers.ts';
import type { Chunk, EndKind, Interrupted, StageContext } from './types.ts';

interface Item {
  readonly releaseAtMs: number;
  readonly chunk: Chunk | undefined;
  readonly end: EndKind | undefined;
}

/**
 * A FIFO that lets each item out at its release time, with one timer for the
 * whole queue. Release times never go backwards (each is clamped to the one
 * before), which is what keeps byte order when delays differ per chunk.
 */
export class TimedQueue {
  readonly #ctx: StageContext;
  /** Latency re-stamps released chunks so a later toxic measures from release, as real Toxiproxy does. */
  readonly #restamp: boolean;
  #items: Item[] = [];
  #head = 0;
  #heldBytes = 0;
  #lastReleaseAtMs = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(ctx: StageContext, options: { restamp: boolean }) {
    this.#ctx = ctx;
    this.#restamp = options.restamp;
  }

  /** When the last queued item goes out (or went out). */
  get lastReleaseAtMs(): number {
    return this.#lastReleaseAtMs;
  }

  heldBytes(): number {
    return this.#heldBytes;
  }

  pushChunk(chunk: Chunk, releaseAtMs: number): void {
    if (this.#stopped) return;
    this.#push({ releaseAtMs: Math.max(releaseAtMs, this.#lastReleaseAtMs), chunk, end: undefined });
    this.#heldBytes += chunk.data.length;
    this.#drain();
  }

  /** Queues an end right behind the data already queued. */
  pushEnd(kind: EndKind): void {
    this.#push({ releaseAtMs: this.#lastReleaseAtMs, chunk: undefined, end: kind });
    this.#drain();
  }

  stop(state?: unknown): Interrupted {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.#heldBytes = 0;
    const held: Chunk[] = [];
    let end: EndKind | undefined;
    for (const item of rest) {
      if (item.chunk !== undefined) held.push(item.chunk);
      else end = item.end;
    }
    return { held, end, state };
  }

  #push(item: Item): void {
    if (this.#stopped) return;
    this.#items.push(item);
    this.#lastReleaseAtMs = item.releaseAtMs;
  }

  #onTimer = (): void => {
    this.#timer = undefined;
    this.#drain();
  };

  #drain(): void {
    const now = this.#ctx.nowMs();
    while (this.#head < this.#items.length && !this.#stopped) {
      const item = this.#items[this.#head]!;
      if (item.releaseAtMs > now) {
        // Timers may fire a little early, and past MAX_TIMER_MS Node would
        // fire after 1 ms: waking at most that far ahead and re-arming for the
        // rest keeps the promised delay a lower bound. An infinite release
        // time (a delay past what a double holds) never wakes.
        if (item.releaseAtMs !== Number.POSITIVE_INFINITY) {
          this.#timer ??= setTimeout(this.#onTimer, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(item.releaseAtMs - now))));
        }
        return;
      }
      this.#head += 1;
      if (item.chunk !== undefined) {
        this.#heldBytes -= item.chunk.data.length;
        const chunk = this.#restamp
          ? { data: item.chunk.data, arrivedAtMs: Math.max(item.releaseAtMs, item.chunk.arrivedAtMs) }
          : item.chunk;
        this.#ctx.out.push(chunk);
      } else if (item.end !== undefined) {
        this.#ctx.out.end(item.end);
      }
    }
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
  }
}
