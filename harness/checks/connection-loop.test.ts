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
        cycles: 3,
        periodMs: 1_000,
        firstSeenAtMs: 100,
        flaggedAtMs: 2_105, // the third short connection closed at 2_100 + 5
        closes: [{ code: 1000, reason: 'New connection established', count: 3 }],
      },
    ]);
    expect(result.summary).toContain('1/2 agents');
    expect(result.summary).toContain('1000 "New connection established"');
    expect(result.summary).toContain('agent-1');
    expect(evidenceOf(result)).toMatchObject({ minCycles: 3, maxConnectionMs: 5_000 });
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
    const atThreshold = new HistoryBuilder().connections('agent-1', 4, { periodMs: 6_000, openMs: 5_000 });
    expect(checkConnectionLoop(atThreshold.input(['agent-1']), {}).status).toBe('passed');

    const justUnder = new HistoryBuilder().connections('agent-1', 3, { periodMs: 6_000, openMs: 4_999 });
    const result = checkConnectionLoop(justUnder.input(['agent-1']), {});
    expect(result.status).toBe('failed');
    expect(looping(result)[0]).toMatchObject({ cycles: 3, periodMs: 6_000 });
  });

  test('minCycles and maxConnectionMs are settable', () => {
    const twoShort = new HistoryBuilder().connections('agent-1', 2);
    expect(checkConnectionLoop(twoShort.input(['agent-1']), {}).status).toBe('passed');
    const flagged = checkConnectionLoop(twoShort.input(['agent-1']), { minCycles: 2 });
    expect(flagged.status).toBe('failed');
    expect(evidenceOf(flagged)).toMatchObject({ minCycles: 2, looping: [{ agent: 'agent-1', cycles: 2 }] });

    const eightSeconds = new HistoryBuilder().connections('agent-1', 3, { periodMs: 9_000, openMs: 8_000 });
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
      cycles: 5,
      periodMs: 500,
      firstSeenAtMs: 0,
      flaggedAtMs: 2_005,
      closes: [
        { code: 1000, reason: 'New connection established', count: 3 },
        { code: 1006, reason: '', count: 2 },
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
});
