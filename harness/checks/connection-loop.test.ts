import { describe, expect, test } from 'vitest';
import { checkConnectionLoop, type LoopingAgent } from './connection-loop.ts';
import { HistoryBuilder, REPLACED, evidenceOf } from './history.test-support.ts';

const looping = (result: ReturnType<typeof checkConnectionLoop>) => ((result as { evidence: { looping: LoopingAgent[] } }).evidence.looping);

describe('checkConnectionLoop', () => {
  test('flags 3 short connections in a row with cycles, period, closes, first-seen and flagged times', () => {
    const history = new HistoryBuilder()
      .connections('agent-1', 3, { startMs: 100, periodMs: 1_000, openMs: 5 })
      .connection('agent-2', 50, 20_000, { by: 'stop' });
    const result = checkConnectionLoop(history.input(['agent-1', 'agent-2']), {});

    expect(result.status).toBe('failed');
    expect(looping(result)).toEqual([
      {
        agent: 'agent-1',
        pattern: 'short',
        cycles: 3,
        periodMs: 1_000,
        connectionMs: 5,
        firstSeenAtMs: 100,
        flaggedAtMs: 2_105, // the third short connection closed at 2_100 + 5
        closes: [{ code: 1000, reason: 'New connection established', by: 'remote', count: 3 }],
      },
    ]);
    expect(result.summary).toContain('1/2 agents');
    expect(result.summary).toContain('1000 "New connection established"');
    expect(result.summary).toContain('agent-1');
    expect(evidenceOf(result)).toMatchObject({ minCycles: 3, maxConnectionMs: 5_000 });
  });

  test("a loop closed with the protocol's own replace close says what that close means; another close does not", () => {
    const history = new HistoryBuilder().connections('agent-1', 3, { startMs: 100, periodMs: 1_000, openMs: 5 });
    const withReplace = checkConnectionLoop({ ...history.input(['agent-1']), replaceClose: { code: 1000, reason: 'New connection established' } }, {});
    expect(withReplace.summary).toContain("the hub's own close for a connection a newer one of the same agent replaced");
    const otherWire = checkConnectionLoop({ ...history.input(['agent-1']), replaceClose: { code: 4000, reason: 'superseded' } }, {});
    expect(otherWire.status).toBe('failed');
    expect(otherWire.summary).not.toContain('replaced');
  });

  test('two short, one long, two short is not a loop: a lasting connection resets the run', () => {
    const history = new HistoryBuilder()
      .connections('agent-1', 2, { startMs: 0, periodMs: 1_000 })
      .connection('agent-1', 2_000, 6_000)
      .connections('agent-1', 2, { startMs: 9_000, periodMs: 1_000 });
    const result = checkConnectionLoop(history.input(['agent-1']), {});
    expect(result.status).toBe('passed');
    expect(evidenceOf(result)).toMatchObject({ looping: [] });
  });

  test('short connections the agent itself stopped (by: "stop") are not a loop', () => {
    const history = new HistoryBuilder()
      .connections('agent-1', 5, { openMs: 10, code: 1000, reason: 'agent stopping', by: 'stop' })
      .connections('agent-2', 2, { openMs: 10 })
      .connection('agent-2', 2_000, 10, { by: 'stop' });
    expect(checkConnectionLoop(history.input(['agent-1', 'agent-2']), {}).status).toBe('passed');
  });

  test('a connection lasting exactly maxConnectionMs is not short; one ms less is', () => {
    // Each ends differently, so only the short rule can fire.
    const varied = (openMs: number) => {
      const h = new HistoryBuilder();
      for (let i = 0; i < 4; i++) h.connection('agent-1', i * 6_000, openMs, { code: 4000 + i, reason: `r${i}` });
      return h;
    };
    expect(checkConnectionLoop(varied(5_000).input(['agent-1']), {}).status).toBe('passed');
    const result = checkConnectionLoop(varied(4_999).input(['agent-1']), {});
    expect(result.status).toBe('failed');
    expect(looping(result)[0]).toMatchObject({ pattern: 'short', cycles: 4, periodMs: 6_000 });
  });

  test('minCycles and maxConnectionMs are settable', () => {
    const twoShort = new HistoryBuilder().connections('agent-1', 2);
    expect(checkConnectionLoop(twoShort.input(['agent-1']), {}).status).toBe('passed');
    const flagged = checkConnectionLoop(twoShort.input(['agent-1']), { minCycles: 2 });
    expect(flagged.status).toBe('failed');
    expect(evidenceOf(flagged)).toMatchObject({ minCycles: 2, looping: [{ agent: 'agent-1', cycles: 2 }] });

    const eightSeconds = new HistoryBuilder();
    for (let i = 0; i < 3; i++) eightSeconds.connection('agent-1', i * 9_000, 8_000, { code: 4000 + i, reason: `r${i}` });
    expect(checkConnectionLoop(eightSeconds.input(['agent-1']), {}).status).toBe('passed');
    const longer = checkConnectionLoop(eightSeconds.input(['agent-1']), { maxConnectionMs: 10_000 });
    expect(longer.status).toBe('failed');
    expect(evidenceOf(longer)).toMatchObject({ maxConnectionMs: 10_000 });
    expect(longer.title).toContain('10.0 s');
  });

  test('reports the longest run, but first-seen and flagged times of the first run that reached minCycles', () => {
    const history = new HistoryBuilder()
      .connections('agent-1', 3, { startMs: 0, periodMs: 1_000 }) // first run: flagged at 2_005
      .connection('agent-1', 3_000, 60_000)
      .connections('agent-1', 2, { startMs: 70_000, periodMs: 500, code: 1006, reason: '' })
      .connections('agent-1', 3, { startMs: 71_000, periodMs: 500 });
    const [agent] = looping(checkConnectionLoop(history.input(['agent-1']), {}));
    expect(agent).toEqual({
      agent: 'agent-1',
      pattern: 'short',
      cycles: 5,
      periodMs: 500,
      connectionMs: 5,
      firstSeenAtMs: 0,
      flaggedAtMs: 2_005,
      closes: [
        { code: 1000, reason: 'New connection established', by: 'remote', count: 3 },
        { code: 1006, reason: '', by: 'remote', count: 2 },
      ],
    });
  });

  test('period is the median gap between opens, so one slow reconnect does not skew it', () => {
    const history = new HistoryBuilder();
    for (const openAt of [0, 1_000, 2_000, 3_000, 12_000]) history.connection('agent-1', openAt, 5);
    expect(looping(checkConnectionLoop(history.input(['agent-1']), {}))[0]?.periodMs).toBe(1_000);
  });

  test('several looping agents: ordered by first seen, every close reason counted in the summary', () => {
    const history = new HistoryBuilder()
      .connections('agent-2', 4, { startMs: 300, periodMs: 1_200, ...REPLACED })
      .connections('agent-1', 3, { startMs: 900, periodMs: 1_500, code: 4000, reason: 'kicked' })
      .connections('agent-3', 1, { startMs: 0, openMs: 30_000, by: 'stop' });
    const result = checkConnectionLoop(history.input(['agent-1', 'agent-2', 'agent-3']), {});
    expect(looping(result).map((l) => l.agent)).toEqual(['agent-2', 'agent-1']);
    expect(result.summary).toContain('2/3 agents');
    expect(result.summary).toContain('1000 "New connection established", 4000 "kicked"');
    expect(result.summary).toContain('first seen on agent-2');
  });

  test('an agent that never connected, or an empty history, is not a loop', () => {
    const result = checkConnectionLoop(new HistoryBuilder().input(['agent-1']), {});
    expect(result.status).toBe('passed');
    expect(evidenceOf(result)).toMatchObject({ minCycles: 3, maxConnectionMs: 5_000, looping: [] });
  });

  describe('a loop is a repeating close, whatever its period', () => {
    test('a 7 s replace loop in a 40 s run is a loop: 5 connections of 7 s, each closed with 1000 "New connection established"', () => {
      const history = new HistoryBuilder().connections('agent-1', 5, { startMs: 100, periodMs: 8_000, openMs: 7_000, ...REPLACED });
      const result = checkConnectionLoop(history.input(['agent-1']), {});
      expect(result.status).toBe('failed');
      expect(looping(result)[0]).toMatchObject({ pattern: 'periodic', cycles: 5, periodMs: 8_000, connectionMs: 7_000, firstSeenAtMs: 100, flaggedAtMs: 16_100 + 7_000 });
      expect(result.summary).toContain('connections ending the same way');
    });

    test('two such closes are not yet a loop (fewer than minCycles); a third is', () => {
      const two = new HistoryBuilder().connections('agent-1', 2, { periodMs: 8_000, openMs: 7_000 });
      expect(checkConnectionLoop(two.input(['agent-1']), {}).status).toBe('passed');
      const three = new HistoryBuilder().connections('agent-1', 3, { periodMs: 8_000, openMs: 7_000 });
      expect(checkConnectionLoop(three.input(['agent-1']), {}).status).toBe('failed');
    });

    test('the same close after lengths that vary widely is not a period: 6 s, 20 s, 45 s', () => {
      const history = new HistoryBuilder().connection('agent-1', 0, 6_000).connection('agent-1', 7_000, 20_000).connection('agent-1', 28_000, 45_000);
      expect(checkConnectionLoop(history.input(['agent-1']), {}).status).toBe('passed');
    });

    test('regular means within 25% of the median length or 1 s: 7.0/7.0/8.75 s is, 7.0/7.0/8.76 s is not', () => {
      const at = (last: number) => new HistoryBuilder().connection('agent-1', 0, 7_000).connection('agent-1', 8_000, 7_000).connection('agent-1', 16_000, last);
      expect(checkConnectionLoop(at(8_750).input(['agent-1']), {}).status).toBe('failed');
      expect(checkConnectionLoop(at(8_760).input(['agent-1']), {}).status).toBe('passed');
    });

    test("the agent's own liveness closes every 25 s (a hub that never pings) are a loop too", () => {
      const history = new HistoryBuilder().connections('agent-1', 3, { periodMs: 26_000, openMs: 25_000, code: 4000, reason: 'no ping', by: 'dead' });
      expect(looping(checkConnectionLoop(history.input(['agent-1']), {}))[0]).toMatchObject({ pattern: 'periodic', closes: [{ by: 'dead', count: 3 }] });
    });
  });

  describe('what a disruption explains', () => {
    test('a latency window does not excuse a hub that closes with 1000 "New connection established"', () => {
      const history = new HistoryBuilder().fault('slow', 'latency', 0, 10_000).connections('agent-1', 3, { ...REPLACED });
      expect(checkConnectionLoop(history.input(['agent-1']), {}).status).toBe('failed');
    });

    test('a latency window excuses closes made by the agent\'s liveness check', () => {
      const history = new HistoryBuilder().fault('slow', 'latency', 0, 10_000).connections('agent-1', 3, { code: 4000, reason: 'no ping', by: 'dead' });
      const result = checkConnectionLoop(history.input(['agent-1']), {});
      expect(result.status).toBe('passed');
      expect(evidenceOf(result)).toMatchObject({ explainedByDisruption: 3 });
    });

    test('a flap excuses closes without a close frame (1006) in its down phases, even a connection opened just before one', () => {
      const history = new HistoryBuilder();
      for (let i = 0; i < 6; i++) {
        const down = 4_000 + i * 6_000;
        history.fault('flap-1', 'flap', down, down + 2_000);
        history.connection('agent-1', down - 100, 100, { code: 1006, reason: '' });
      }
      expect(checkConnectionLoop(history.input(['agent-1']), {}).status).toBe('passed');
    });

    test('a partition does not excuse close frames the hub chose to send, nor 1006 closes outside its window (+1 s grace)', () => {
      const inside = new HistoryBuilder().fault('cut', 'partition', 0, 10_000).connections('agent-1', 3, { ...REPLACED });
      expect(checkConnectionLoop(inside.input(['agent-1']), {}).status).toBe('failed');
      const after = new HistoryBuilder().fault('cut', 'partition', 0, 1_000).connections('agent-1', 3, { startMs: 2_000, code: 1006, reason: '' });
      expect(checkConnectionLoop(after.input(['agent-1']), {}).status).toBe('failed');
      const closesAt = (...ts: number[]) => {
        const h = new HistoryBuilder().fault('cut', 'partition', 0, 3_000);
        for (const t of ts) h.connection('agent-1', t - 50, 50, { code: 1006, reason: '' });
        return checkConnectionLoop(h.input(['agent-1']), {}).status;
      };
      expect(closesAt(3_500, 3_800, 4_000)).toBe('passed');
      expect(closesAt(4_001, 4_300, 4_600)).toBe('failed');
    });

    test('a fault on another group excuses nothing for this agent', () => {
      const history = new HistoryBuilder().fault('cut', 'partition', 0, 10_000, 'cut-off').connections('agent-1', 3, { code: 1006, reason: '' });
      const input = { ...history.input(['agent-1', 'agent-2']), groups: [{ name: 'cut-off', agents: ['agent-2'] }, { name: 'rest', agents: ['agent-1'] }] };
      expect(checkConnectionLoop(input, {}).status).toBe('failed');
    });

    test('a redeploy window excuses every close, 1012 and 1006 alike', () => {
      const history = new HistoryBuilder()
        .redeploy('graceful-1', 0, 5_000)
        .connections('agent-1', 3, { code: 1012, reason: 'Service Restart' })
        .connections('agent-2', 3, { code: 1006, reason: '' });
      expect(checkConnectionLoop(history.input(['agent-1', 'agent-2']), {}).status).toBe('passed');
    });
  });
});
