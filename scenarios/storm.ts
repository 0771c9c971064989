import { defineScenario, firstRetryWindowMs, herdMaskingStallMs, type BackoffOptions } from '../harness/scenario/index.ts';

/** The agents' backoff, named here because the spread check's model is derived from it (first retries spread over 1 s to 2 s: a 1 s window). */
const BACKOFF: BackoffOptions = { minMs: 1_000, maxMs: 30_000, factor: 2, jitter: 'full' };

/**
 * A fleet that drops together must not come back together. Passes with
 * jittered agents; `--agent-defect no-jitter` makes every agent retry at the
 * same instant and fails the reconnect-spread check.
 */
export default defineScenario({
  name: 'storm',
  description: '500 agents through a graceful redeploy: reconnects must spread over the backoff window (fails with --agent-defect no-jitter)',
  defaults: { agents: 500, durationMs: 20_000, rampMs: 2_000 },
  agent: { backoff: BACKOFF },
  traffic: { commandIntervalMs: 200 },
  redeploys: ({ durationMs }) => [{ name: 'redeploy', atMs: durationMs * 0.4, kind: 'graceful' }],
  checks: ({ agents }) => {
    const windowMs = firstRetryWindowMs(BACKOFF);
    // The harness's own loop must keep up while the whole fleet reconnects: a stall spreads a herd's
    // due times as wide as the burst that follows it, and past this bound (461 ms at 500 agents) a
    // herd could spread thin enough to pass. Every other check here reads times to the second, so
    // a fleet too small for the spread check to judge keeps the default bound (1 s).
    const stallMs = herdMaskingStallMs(agents, windowMs, 100);
    return {
      hubHealth: {},
      reconnectSpread: { windowMs, sliceMs: 100 },
      reconnectStorm: { minBackoffMs: 1_000 },
      // A hub takes its own time to close and accept thousands of sockets: one more second per 1,000 agents.
      recovery: { withinMs: 10_000 + Math.ceil(agents / 1_000) * 1_000 },
      commandDelivery: {},
      connectionLoop: {},
      eventLoopLag: stallMs === undefined ? {} : { maxMs: stallMs },
    };
  },
});
