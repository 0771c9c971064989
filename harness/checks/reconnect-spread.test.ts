import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../history/events.ts';
import { evidenceOf } from './history.test-support.ts';
import { checkReconnectSpread, type ReconnectSpreadEvidence } from './reconnect-spread.ts';
import type { CheckInput } from './types.ts';

/**
 * reconnect-spread on hand-written histories. storm's agents: a 1 s jitter
 * window (first retry uniform over 1 s to 2 s after the drop), 100 ms slices.
 */
const STORM = { windowMs: 1_000, sliceMs: 100 };

const redeploy = (phase: 'begin' | 'end', t: number, name = 'redeploy'): HistoryEvent => ({ t, type: 'hub.redeploy', name, kind: 'graceful', phase });
const drop = (agent: string, t: number): HistoryEvent => ({ t, agent, type: 'ws.close', conn: 1, code: 1012, reason: 'Service Restart', openMs: t, by: 'remote' });
const connecting = (agent: string, t: number, attempt = 1): HistoryEvent => ({ t, agent, type: 'ws.connecting', attempt });

/** A redeploy at 10 s that drops every agent within 12 ms; agent i reconnects at `attemptAt[i]`. */
function afterRedeploy(attemptAt: readonly number[]): CheckInput {
  const agents = attemptAt.map((_, i) => `agent-${i + 1}`);
  const events = [
    redeploy('begin', 10_000),
    redeploy('end', 10_080),
    ...agents.flatMap((a, i) => [drop(a, 10_020 + (i % 13)), connecting(a, attemptAt[i]!)]),
  ].sort((a, b) => a.t - b.t);
  return { events, agents, endMs: 30_000 };
}

const spreadOf = (input: CheckInput, options = STORM) => {
  const result = checkReconnectSpread(input, options);
  return { result, evidence: (result.status === 'skipped' ? undefined : evidenceOf(result)) as ReconnectSpreadEvidence };
};

describe('checkReconnectSpread', () => {
  test('a healthy 10-agent run (storm --agents 10 --seed 5) passes: 4 of 10 in one 100 ms slice is chance under a 1 s jitter window', () => {
    const seed5 = [11_071.3, 11_224.1, 11_455.9, 11_504.5, 11_551.3, 11_818.1, 11_907.4, 11_908.7, 11_971, 11_980.6];
    const { result, evidence } = spreadOf(afterRedeploy(seed5));
    expect(result.status, result.summary).toBe('passed');
    expect(evidence.redeploys[0]).toMatchObject({ attempts: 10, busiestSlice: 4, busiestAtMs: 11_907 });
  });
});
