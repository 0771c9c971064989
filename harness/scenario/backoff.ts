import { DEFAULT_BACKOFF, backoffCeilingMs, type BackoffOptions } from '../../agent/backoff.ts';

/**
 * How wide the agents' first reconnect after a drop spreads: full jitter
 * draws it uniformly over [floor, ceiling of attempt 1]. A scenario that
 * judges a fleet's reconnect spread derives its model from its own backoff
 * with this; the model stays a healthy fleet's when an agent defect
 * rewrites the jitter, since that is what the check holds the agents to.
 */
export function firstRetryWindowMs(backoff: BackoffOptions): number {
  const resolved = { ...DEFAULT_BACKOFF, ...backoff };
  const ceiling = backoffCeilingMs(resolved, 1);
  return ceiling - Math.min(resolved.minMs, ceiling);
}

export type { BackoffOptions };
