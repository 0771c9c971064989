import { describe, expect, test } from 'vitest';
import { createRng } from '../../common/rng.ts';
import type { HistoryEvent } from '../history/events.ts';
import { evidenceOf } from './history.test-support.ts';
import { SPREAD_SIGNIFICANCE, checkReconnectSpread, type ReconnectSpreadEvidence } from './reconnect-spread.ts';
import type { CheckInput } from './types.ts';

/**
 * reconnect-spread on hand-written histories. storm's agents: a 1 s jitter
 * window (first retry uniform over 1 s to 2 s after the drop), 100 ms slices.
 * With those, 8 of 10 attempts in one slice is the first improbable count, and
 * 7 is the fewest attempts a perfect herd can be judged from.
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

/** n attempts in one slice at 12_000 ms, the rest spread evenly over 11_000 to 12_000 in 111 ms steps (never two in a slice). */
function bunched(inSlice: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i < inSlice ? 12_000 + i : 11_000 + (i - inSlice) * 111));
}

describe('checkReconnectSpread', () => {
  test('a healthy 10-agent run (storm --agents 10 --seed 5, which the fixed 30% bound failed) passes: 4 in one slice is chance', () => {
    const seed5 = [11_071.3, 11_224.1, 11_455.9, 11_504.5, 11_551.3, 11_818.1, 11_907.4, 11_908.7, 11_971, 11_980.6];
    const { result, evidence } = spreadOf(afterRedeploy(seed5));
    expect(result.status).toBe('passed');
    expect(evidence.redeploys[0]).toMatchObject({ attempts: 10, busiestSlice: 4, busiestAtMs: 11_907, judged: true, failsAtCount: 8 });
    expect(evidence.redeploys[0]!.pBound).toBeGreaterThan(0.1);
    expect(result.summary).toBe('redeploy: 10 attempts over 909 ms, busiest 100 ms held 4 (40%; 8 would be a herd), p <= 1.00');
  });

  test('at n = 10 the threshold is exact: 7 in one slice passes (p ~ 1.5e-3), 8 fails (p ~ 7.4e-5)', () => {
    const seven = spreadOf(afterRedeploy(bunched(7, 10)));
    expect(seven.result.status).toBe('passed');
    expect(seven.evidence.redeploys[0]).toMatchObject({ busiestSlice: 7, failsAtCount: 8 });
    expect(seven.evidence.redeploys[0]!.pBound).toBeGreaterThanOrEqual(SPREAD_SIGNIFICANCE);
    expect(seven.evidence.redeploys[0]!.pBound).toBeCloseTo(1.53e-3, 4);

    const eight = spreadOf(afterRedeploy(bunched(8, 10)));
    expect(eight.result.status).toBe('failed');
    expect(eight.evidence.redeploys[0]!.busiestSlice).toBe(8);
    expect(eight.evidence.redeploys[0]!.pBound).toBeLessThan(SPREAD_SIGNIFICANCE);
    expect(eight.evidence.redeploys[0]!.pBound).toBeCloseTo(7.4e-5, 5);
    expect(eight.result.summary).toMatch(/^thundering herd: redeploy: 10 attempts over .*held 8 \(80%; 8 would be a herd\), p <= 7\.4e-5 \(jitter over 1\.0 s would do that with p < 1\.0e-4\)$/);
  });

  test('a slice is half-open: attempts exactly sliceMs apart are in different slices, 0.1 ms less apart in one', () => {
    const apart = [...Array.from({ length: 7 }, (_, i) => 12_000 + i), 12_100, 11_000, 11_500];
    expect(spreadOf(afterRedeploy(apart)).evidence.redeploys[0]!.busiestSlice).toBe(7);
    expect(spreadOf(afterRedeploy(apart)).result.status).toBe('passed');
    const within = [...apart.slice(0, 7), 12_099.9, 11_000, 11_500];
    expect(spreadOf(afterRedeploy(within)).evidence.redeploys[0]!.busiestSlice).toBe(8);
    expect(spreadOf(afterRedeploy(within)).result.status).toBe('failed');
  });

  test('minimum sample: 6 agents in one instant cannot be judged (skipped, with the n needed); 7 can, and fail', () => {
    const six = checkReconnectSpread(afterRedeploy(Array.from({ length: 6 }, (_, i) => 12_000 + i)), STORM);
    expect(six.status).toBe('skipped');
    expect(six.summary).toBe(
      'skipped: too few reconnects to judge (at most 6 after a redeploy, need 7): fewer than 7 in one 100 ms slice can happen by chance under a 1.0 s jitter window',
    );
    const seven = spreadOf(afterRedeploy(Array.from({ length: 7 }, (_, i) => 12_000 + i)));
    expect(seven.result.status).toBe('failed');
    expect(seven.evidence).toMatchObject({ minimumSample: 7, significance: SPREAD_SIGNIFICANCE });
  });

  test('a herd of 10 (every agent waits exactly the 2 s ceiling) is caught: p is astronomically small', () => {
    const herd = Array.from({ length: 10 }, (_, i) => 10_020 + (i % 13) + 2_000);
    const { result, evidence } = spreadOf(afterRedeploy(herd));
    expect(result.status).toBe('failed');
    expect(result.summary).toMatch(/^thundering herd: redeploy: 10 attempts over 9 ms, busiest 100 ms held 10 \(100%/);
    expect(evidence.redeploys[0]!.pBound).toBeLessThan(1e-7);
  });

  test.each([10, 200, 10_000])('a healthy jittered fleet of %i passes over 20 seeds', (n) => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = createRng(`spread-${n}-${seed}`);
      // Each agent's drop (within 12 ms of the others) plus its own draw from the window, as agent/backoff.ts does.
      const times = Array.from({ length: n }, (_, i) => 10_020 + (i % 13) + 1_000 + rng.next() * 1_000);
      const { result, evidence } = spreadOf(afterRedeploy(times));
      expect(result.status, `seed ${seed}: ${result.summary}`).toBe('passed');
      expect(evidence.redeploys[0]!.attempts).toBe(n);
    }
  });

  test('each agent counts once, from its first drop after the redeploy began; stops and earlier attempts are not counted', () => {
    const input = afterRedeploy(bunched(0, 10));
    const extra: HistoryEvent[] = [
      // A second attempt of agent-1 and a retry drawn before the redeploy (agent-11 never dropped after it).
      ...Array.from({ length: 8 }, (_, i) => connecting('agent-1', 13_000 + i, 2)),
      ...Array.from({ length: 8 }, (_, i) => connecting(`late-${i}`, 10_500 + i, 3)),
      // Agents stopped by the harness do not reconnect; their attempts would be someone else's.
      { t: 10_050, agent: 'stopped', type: 'ws.close', conn: 1, code: 1000, reason: 'agent stopping', openMs: 1, by: 'stop' },
    ];
    const events = [...input.events, ...extra].sort((a, b) => a.t - b.t);
    const { result, evidence } = spreadOf({ ...input, events });
    expect(result.status).toBe('passed');
    expect(evidence.redeploys[0]).toMatchObject({ attempts: 10, busiestSlice: 1 });
  });

  test('a failed connect after the redeploy is a drop too: the next attempt counts', () => {
    const events: HistoryEvent[] = [redeploy('begin', 10_000), { t: 10_010, agent: 'a', type: 'ws.failed', attempt: 2, error: 'ECONNREFUSED' }, connecting('a', 11_500, 3)];
    const { evidence } = spreadOf({ events, agents: ['a'], endMs: 20_000 });
    expect(evidence).toBeUndefined(); // one attempt: below the minimum sample, skipped
    expect(checkReconnectSpread({ events, agents: ['a'], endMs: 20_000 }, STORM).summary).toContain('at most 1 after a redeploy');
  });

  test('two redeploys share the significance, and one with too few attempts is named, not judged', () => {
    const first = afterRedeploy(bunched(8, 10));
    const events = [...first.events, redeploy('begin', 40_000, 'second'), redeploy('end', 40_050, 'second'), drop('agent-1', 40_010), connecting('agent-1', 41_500)].sort((a, b) => a.t - b.t);
    const { result, evidence } = spreadOf({ ...first, events, endMs: 60_000 });
    expect(evidence.significance).toBe(SPREAD_SIGNIFICANCE / 2);
    // p ~ 7.4e-5 is above 5e-5: 8 of 10 is no longer improbable enough with two redeploys judged.
    expect(result.status).toBe('passed');
    expect(evidence.redeploys.map((r) => [r.redeploy, r.attempts, r.judged])).toEqual([['redeploy', 10, true], ['second', 1, false]]);
    expect(result.summary).toContain('second: 1 attempt, too few to judge (need 7)');
  });

  test('a harness that stalls fires jittered timers together: attempts are judged by when they were due, not when they ran', () => {
    // 200 agents scheduled over 1 s to 2 s after the drop; the harness's loop was blocked until 12_050,
    // so every attempt due before then ran in one burst (seen in storm-runtimes on a machine at load 150).
    const rng = createRng('stall');
    const agents = Array.from({ length: 200 }, (_, i) => `agent-${i + 1}`);
    const events: HistoryEvent[] = [redeploy('begin', 10_000), redeploy('end', 10_080)];
    agents.forEach((a, i) => {
      const droppedAt = 10_020 + (i % 13);
      const delayMs = Math.round(1_000 + rng.next() * 1_000);
      events.push(drop(a, droppedAt), { t: droppedAt + 0.5, agent: a, type: 'reconnect.scheduled', attempt: 1, delayMs });
      events.push(connecting(a, Math.max(12_050 + i / 100, droppedAt + delayMs)));
    });
    const input = { events: events.sort((a, b) => a.t - b.t), agents, endMs: 30_000 };
    const { result, evidence } = spreadOf(input);
    expect(result.status, result.summary).toBe('passed');
    expect(evidence.redeploys[0]!.observedBusiestSlice).toBeGreaterThan(150);
    expect(evidence.redeploys[0]!.busiestSlice).toBeLessThan(46);
    expect(evidence.redeploys[0]!.lateMaxMs).toBeGreaterThan(900);
    expect(result.summary).toMatch(/attempts ran up to [\d.]+ m?s late \(the harness fell behind\); judged by when they were due/);
  });

  test('a no-jitter herd is a herd by its due times too', () => {
    const agents = Array.from({ length: 10 }, (_, i) => `agent-${i + 1}`);
    const events: HistoryEvent[] = [redeploy('begin', 10_000)];
    agents.forEach((a, i) => events.push(drop(a, 10_020 + i), { t: 10_020.5 + i, agent: a, type: 'reconnect.scheduled', attempt: 1, delayMs: 2_000 }, connecting(a, 12_021 + i)));
    const result = checkReconnectSpread({ events: events.sort((a, b) => a.t - b.t), agents, endMs: 30_000 }, STORM);
    expect(result.status).toBe('failed');
  });

  test('no redeploy, or a slice as wide as the window, is skipped with the reason', () => {
    expect(checkReconnectSpread({ events: [], agents: [], endMs: 1_000 }, STORM).summary).toBe('skipped: no redeploy in the run');
    const wide = checkReconnectSpread(afterRedeploy(bunched(10, 10)), { windowMs: 1_000, sliceMs: 1_000 });
    expect(wide.status).toBe('skipped');
    expect(wide.summary).toContain('too wide for a 1.0 s jitter window');
  });
});
