/**
 * Starts connections with at most `maxInFlight` handshakes under way: the
 * next starts when one opens. Both sides use this one driver, so their
 * connect rates compare the clients, not two pacings.
 *
 * Why not the Fleet's own ramp (Fleet.start, open loop): a ramp faster than
 * the hub accepts overflows its listen backlog (Node's default, 511), the
 * kernel drops SYNs, and the time to connect then measures TCP's SYN
 * retransmit timer (1 s, 3 s, ...), not the client. A ramp slower than the
 * hub measures the ramp. A bound well under the backlog keeps the hub
 * saturated with no drop.
 */
export interface BoundedStart {
  /** Call once per connection that opened: frees its slot. */
  opened(): void;
  /** Starts no more. */
  cancel(): void;
}

export function startBounded(total: number, maxInFlight: number, start: (index: number) => void): BoundedStart {
  let next = 0;
  let inFlight = 0;
  let cancelled = false;
  const fill = (): void => {
    while (!cancelled && inFlight < maxInFlight && next < total) {
      inFlight += 1;
      start(next++);
    }
  };
  fill();
  return {
    opened() {
      inFlight -= 1;
      fill();
    },
    cancel() {
      cancelled = true;
    },
  };
}
