import type { Rng } from '../common/rng.ts';

export interface BackoffOptions {
  /** Smallest delay before a reconnect attempt, and the first attempt's base, ms. Default 1_000. */
  minMs?: number;
  /** Largest delay before a reconnect attempt, ms. Default 30_000. */
  maxMs?: number;
  /** Growth of the delay ceiling per failed attempt. Default 2. */
  factor?: number;
  /**
   * How long a connection must stay up before the attempt count resets, ms.
   * Default 0: reset as soon as a connection opens, like the incident's client
   * (which is why it logged "attempt #1" on every loop).
   */
  resetAfterMs?: number;
  /** 'full' spreads each delay uniformly over its window; 'none' always waits the ceiling. Default 'full'. */
  jitter?: 'full' | 'none';
}

export type ResolvedBackoff = Required<BackoffOptions>;

export const DEFAULT_BACKOFF: ResolvedBackoff = { minMs: 1_000, maxMs: 30_000, factor: 2, resetAfterMs: 0, jitter: 'full' };

/** The ceiling for attempt n (1-based): min(maxMs, minMs * factor^n). */
export function backoffCeilingMs(options: ResolvedBackoff, attempt: number): number {
  return Math.min(options.maxMs, options.minMs * options.factor ** Math.max(1, attempt));
}

/**
 * Delay before reconnect attempt n: full jitter over [minMs, ceiling]. The
 * floor keeps a fleet from reconnecting in a tight loop; the spread keeps a
 * fleet that dropped together from coming back together.
 */
export function backoffDelayMs(options: ResolvedBackoff, attempt: number, rng: Rng): number {
  const ceiling = backoffCeilingMs(options, attempt);
  if (options.jitter === 'none') return ceiling;
  const floor = Math.min(options.minMs, ceiling);
  return Math.round(floor + rng.next() * (ceiling - floor));
}
