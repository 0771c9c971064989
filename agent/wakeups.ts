/**
 * One timer for every agent in the process. A fleet's agents each wait on
 * something (the liveness deadline while connected, the backoff delay
 * while waiting to reconnect); a Node Timeout per agent is about 0.3 KiB
 * with its closure, which at 5,000 agents is a good part of what an agent
 * costs. Here each waiting agent is one slot in a binary min-heap of due
 * times, and one Timeout is armed for the earliest.
 *
 * Timing is that of setTimeout: nothing wakes before its due time
 * (performance.now()), and a wake runs in a timer callback, at most a
 * millisecond or so after it is due (Node's timers have ms resolution).
 */

/** Where a sleeper keeps its place in the heap (-1 when not waiting); only this module writes it. */
export const WAKE_SLOT: unique symbol = Symbol('wakeSlot');
/** The sleeper's wake-up method: a symbol, so it stays out of the sleeper's ordinary interface. */
export const WAKE: unique symbol = Symbol('wake');

export interface Sleeper {
  [WAKE_SLOT]: number;
  /** Called once, when the due time has come (`now` is performance.now()); the sleeper is no longer waiting by then. */
  [WAKE](now: number): void;
}

class WakeQueue {
  readonly #sleepers: Sleeper[] = [];
  /** Due times, parallel to #sleepers: a packed array of doubles, no boxed number per sleeper. */
  readonly #due: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Due time the timer is armed for; Infinity when it is not armed. */
  #armedFor = Infinity;
  readonly #onTimer = (): void => this.#run();

  /** Wakes `sleeper` at `dueAt` (performance.now() clock), replacing any wake it was waiting for. */
  at(sleeper: Sleeper, dueAt: number): void {
    const slot = sleeper[WAKE_SLOT];
    if (slot >= 0) {
      this.#due[slot] = dueAt;
      this.#siftDown(this.#siftUp(slot));
    } else {
      const end = this.#sleepers.length;
      this.#sleepers.push(sleeper);
      this.#due.push(dueAt);
      sleeper[WAKE_SLOT] = end;
      this.#siftUp(end);
    }
    this.#arm();
  }

  /** The sleeper no longer wants its wake; a no-op when it has none. */
  cancel(sleeper: Sleeper): void {
    const slot = sleeper[WAKE_SLOT];
    if (slot < 0) return;
    this.#removeAt(slot);
    this.#arm();
  }

  get size(): number {
    return this.#sleepers.length;
  }

  #run(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = performance.now();
    try {
      while (this.#sleepers.length > 0 && this.#due[0]! <= now) {
        const sleeper = this.#sleepers[0]!;
        this.#removeAt(0);
        sleeper[WAKE](now);
      }
    } finally {
      this.#arm();
    }
  }

  /**
   * Arms the timer for the earliest wake. A timer armed for an earlier time
   * than now needed is left alone: it fires, finds nothing due and re-arms,
   * which is cheaper than re-arming on every cancel when a fleet drops at once.
   * With nothing left to wake it is cleared, so the queue never holds the process open.
   */
  #arm(): void {
    const next = this.#sleepers.length > 0 ? this.#due[0]! : Infinity;
    if (next === Infinity) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#armedFor = Infinity;
      return;
    }
    if (next >= this.#armedFor) return;
    clearTimeout(this.#timer);
    this.#armedFor = next;
    // A Node timer may fire a fraction of a ms early by performance.now(); #run then re-arms for 1 ms.
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.ceil(next - performance.now())));
  }

  #removeAt(slot: number): void {
    const removed = this.#sleepers[slot]!;
    removed[WAKE_SLOT] = -1;
    const lastSleeper = this.#sleepers.pop()!;
    const lastDue = this.#due.pop()!;
    if (slot === this.#sleepers.length) return;
    this.#sleepers[slot] = lastSleeper;
    this.#due[slot] = lastDue;
    lastSleeper[WAKE_SLOT] = slot;
    this.#siftDown(this.#siftUp(slot));
  }

  /** Moves the entry at `slot` towards the root while it is due before its parent; returns where it ended. */
  #siftUp(slot: number): number {
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (this.#due[parent]! <= this.#due[slot]!) break;
      this.#swap(slot, parent);
      slot = parent;
    }
    return slot;
  }

  #siftDown(slot: number): void {
    const size = this.#sleepers.length;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.#due[right]! < this.#due[left]! ? right : left;
      if (this.#due[slot]! <= this.#due[child]!) return;
      this.#swap(slot, child);
      slot = child;
    }
  }

  #swap(i: number, j: number): void {
    const sleepers = this.#sleepers;
    const due = this.#due;
    const s = sleepers[i]!;
    const d = due[i]!;
    sleepers[i] = sleepers[j]!;
    due[i] = due[j]!;
    sleepers[j] = s;
    due[j] = d;
    sleepers[i]![WAKE_SLOT] = i;
    sleepers[j]![WAKE_SLOT] = j;
  }
}

/** The process's one queue: every agent, whichever fleet it belongs to. */
export const wakeups = new WakeQueue();
