/**
 * What one connection saw of the hub's pings, kept as three numbers rather
 * than an event per ping (fleets are 10,000 agents). A gap counts from the
 * open to the first ping, between pings, and from the last ping to the close,
 * so a hub that never pings has one gap as long as the connection.
 */
export interface PingSummary {
  /** Pings heard on the connection. */
  pings: number;
  /** The longest stretch without a ping, ms. */
  maxPingGapMs: number;
  /** Where that stretch began, ms after the open. */
  maxPingGapAtMs: number;
}

export class PingGaps {
  readonly #openedAt: number;
  #lastAt: number;
  #pings = 0;
  #maxGapMs = 0;
  #maxGapAt = 0;

  /** `openedAt` and every later time on the same clock (performance.now()). */
  constructor(openedAt: number) {
    this.#openedAt = this.#lastAt = openedAt;
  }

  /** When the connection opened. */
  get openedAt(): number {
    return this.#openedAt;
  }

  ping(now: number): void {
    this.#gapUntil(now);
    this.#pings++;
    this.#lastAt = now;
  }

  /** The summary at the close; the stretch since the last ping counts as a gap. */
  close(now: number): PingSummary {
    this.#gapUntil(now);
    return { pings: this.#pings, maxPingGapMs: Math.round(this.#maxGapMs), maxPingGapAtMs: Math.round(this.#maxGapAt - this.#openedAt) };
  }

  #gapUntil(now: number): void {
    const gapMs = now - this.#lastAt;
    if (gapMs > this.#maxGapMs) {
      this.#maxGapMs = gapMs;
      this.#maxGapAt = this.#lastAt;
    }
  }
}
