import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../history/events.ts';
import { checkLiveness, type LivenessEvidence } from './liveness.ts';
import type { CheckInput } from './types.ts';

/** One connection as the agent reports it: opened at `at`, open `openMs`, with what it heard of pings. */
function conn(agent: string, at: number, openMs: number, pings: { pings: number; maxPingGapMs: number; maxPingGapAtMs: number } | undefined, conn = 1, by: 'remote' | 'dead' | 'stop' = 'stop'): HistoryEvent[] {
  return [
    { t: at, agent, type: 'ws.open', conn },
    { t: at + openMs, agent, type: 'ws.close', conn, code: 1000, reason: '', openMs, by, ...pings },
  ];
}
const silent = (agent: string, at: number, openMs: number, n = 1) => conn(agent, at, openMs, { pings: 0, maxPingGapMs: openMs, maxPingGapAtMs: 0 }, n, 'dead');
const applied = (fault: string, target: string, t: number): HistoryEvent => ({ t, type: 'fault.applied', fault, kind: 'blackhole', target, detail: {} });
const removed = (fault: string, target: string, t: number): HistoryEvent => ({ t, type: 'fault.removed', fault, kind: 'blackhole', target });
const redeploy = (phase: 'begin' | 'end', t: number): HistoryEvent => ({ t, type: 'hub.redeploy', name: 'crash-1', kind: 'crash', phase });

function input(events: HistoryEvent[], agents: string[], extra: Partial<CheckInput> = {}): CheckInput {
  const sorted = [...events].sort((a, b) => a.t - b.t);
  return { events: sorted, agents, endMs: sorted.at(-1)?.t ?? 0, ...extra };
}
const evidence = (r: ReturnType<typeof checkLiveness>): LivenessEvidence => {
  if (r.status === 'skipped') throw new Error(`skipped: ${r.reason}`);
  return r.evidence!;
};
const ping2s = { pingIntervalMs: 2_000 };

describe('checkLiveness', () => {
  test('a hub that pings on time passes, with the longest gap and the interval assumed', () => {
    const events = [...conn('a1', 0, 20_000, { pings: 10, maxPingGapMs: 2_150, maxPingGapAtMs: 6_000 }), ...conn('a2', 100, 19_900, { pings: 10, maxPingGapMs: 1_990, maxPingGapAtMs: 0 })];
    const result = checkLiveness(input(events, ['a1', 'a2']), ping2s);
    expect(result.status).toBe('passed');
    expect(evidence(result)).toMatchObject({ pingIntervalMs: 2_000, maxGapMs: 4_000, judged: 2, excused: 0, tooShort: 0, longestGapMs: 2_150, flagged: [] });
    expect(result.summary).toContain('longest stretch without a ping was 2.1 s (promised every 2.0 s)');
  });

  test('a hub that never pings fails, naming the agents, the connections and the gaps', () => {
    const events = [...silent('a1', 0, 5_000), ...silent('a1', 6_000, 5_000, 2), ...silent('a2', 10, 5_001)];
    const result = checkLiveness(input(events, ['a1', 'a2', 'a3']), ping2s);
    expect(result.status).toBe('failed');
    expect(result.summary).toContain('never pinged: 2/2 agents');
    expect(result.summary).toContain('promised every 2.0 s');
    expect(evidence(result)).toMatchObject({
      judged: 3,
      neverPinged: 3,
      agentsFlagged: ['a2', 'a1'],
      flagged: [
        { agent: 'a2', conn: 1, openedAtMs: 10, openMs: 5_001, pings: 0, maxPingGapMs: 5_001, gapFromMs: 10, gapToMs: 5_011 },
        { agent: 'a1', conn: 1, openedAtMs: 0, maxPingGapMs: 5_000 },
        { agent: 'a1', conn: 2, openedAtMs: 6_000, gapFromMs: 6_000, gapToMs: 11_000 },
      ],
    });
  });

  test('a gap of exactly 2 intervals passes; one ms more fails as slower than promised', () => {
    const at = (gap: number) => input(conn('a1', 0, 30_000, { pings: 8, maxPingGapMs: gap, maxPingGapAtMs: 10_000 }), ['a1']);
    expect(checkLiveness(at(4_000), ping2s).status).toBe('passed');
    const slow = checkLiveness(at(4_001), ping2s);
    expect(slow.status).toBe('failed');
    expect(slow.summary).toContain('pinged slower than promised: 1/1 agents went up to 4.0 s');
    expect(evidence(slow).flagged[0]).toMatchObject({ gapFromMs: 10_000, gapToMs: 14_001, pings: 8 });
  });

  test('a connection of at most 2 intervals cannot judge; the check skips with the reason when none was longer', () => {
    const short = checkLiveness(input(silent('a1', 0, 4_000), ['a1']), ping2s);
    expect(short.status).toBe('skipped');
    expect(short.status === 'skipped' && short.reason).toContain('no connection lasted over 4.0 s (2 ping intervals of 2.0 s)');
    expect(checkLiveness(input(silent('a1', 0, 4_001), ['a1']), ping2s).status).toBe('failed');
    expect(checkLiveness(input([], ['a1']), ping2s).status).toBe('skipped');
  });

  test('a gap that touches a fault window of its own agent is excused; the same gap elsewhere is not', () => {
    const groups = [{ name: 'silent', agents: ['a1'] }, { name: 'rest', agents: ['a2'] }];
    // Both last heard a ping at 4_000 and gave up at 9_000; the blackhole hit only a1's group, from 5_000.
    const gap = { pings: 2, maxPingGapMs: 5_000, maxPingGapAtMs: 4_000 };
    const events = [applied('bh', 'silent', 5_000), removed('bh', 'silent', 12_000), ...conn('a1', 0, 9_000, gap, 1, 'dead'), ...conn('a2', 0, 9_000, gap, 1, 'dead'), ...conn('a1', 13_000, 10_000, { pings: 5, maxPingGapMs: 2_000, maxPingGapAtMs: 0 })];
    const result = checkLiveness(input(events, ['a1', 'a2'], { groups }), ping2s);
    expect(result.status).toBe('failed');
    expect(evidence(result)).toMatchObject({ judged: 2, excused: 1, agentsFlagged: ['a2'] });
  });

  test('window edges: a gap ending exactly when a fault begins is excused, one ending a ms before is judged', () => {
    const gap = (t: number) => conn('a1', 0, t, { pings: 1, maxPingGapMs: t - 1_000, maxPingGapAtMs: 1_000 });
    const fault = [applied('bh', 'all', 9_000), removed('bh', 'all', 10_000)];
    expect(checkLiveness(input([...fault, ...gap(9_000)], ['a1']), ping2s)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('1 did, but went silent inside one') });
    expect(checkLiveness(input([...fault, ...gap(8_999)], ['a1']), ping2s).status).toBe('failed');
    // And from the other side: a gap starting exactly at the heal is excused, a ms after it is judged.
    const after = (from: number) => conn('a1', 0, from + 6_000, { pings: 1, maxPingGapMs: 6_000, maxPingGapAtMs: from });
    expect(checkLiveness(input([...fault, ...after(10_000)], ['a1']), ping2s).status).toBe('skipped');
    expect(checkLiveness(input([...fault, ...after(10_001)], ['a1']), ping2s).status).toBe('failed');
  });

  test('a redeploy window excuses every agent (a crashed hub pings nobody)', () => {
    const events = [redeploy('begin', 5_000), redeploy('end', 8_000), ...silent('a1', 0, 7_000), ...conn('a2', 0, 7_000, { pings: 2, maxPingGapMs: 6_000, maxPingGapAtMs: 1_000 }), ...conn('a1', 9_000, 10_000, { pings: 5, maxPingGapMs: 2_100, maxPingGapAtMs: 100 }, 2)];
    const result = checkLiveness(input(events, ['a1', 'a2']), ping2s);
    expect(result.status).toBe('passed');
    expect(evidence(result)).toMatchObject({ judged: 1, excused: 2 });
  });

  test('scales with the interval assumed and maxGapIntervals; closes without ping counts are not judged', () => {
    const events = conn('a1', 0, 60_000, { pings: 3, maxPingGapMs: 25_000, maxPingGapAtMs: 0 });
    expect(checkLiveness(input(events, ['a1']), { pingIntervalMs: 10_000 })).toMatchObject({ status: 'failed', evidence: { maxGapMs: 20_000 } });
    expect(checkLiveness(input(events, ['a1']), { pingIntervalMs: 10_000, maxGapIntervals: 3 }).status).toBe('passed');
    expect(checkLiveness(input(events, ['a1']), { pingIntervalMs: 12_500 }).status).toBe('passed');
    expect(checkLiveness(input(conn('a1', 0, 60_000, undefined), ['a1']), { pingIntervalMs: 10_000 }).status).toBe('skipped');
  });
});
