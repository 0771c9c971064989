import { describe, expect, test } from 'vitest';
import { checkConnectionDurations } from './connection-durations.ts';
import { HistoryBuilder, evidenceOf } from './history.test-support.ts';

describe('checkConnectionDurations', () => {
  test('an agent that never connected fails the check and is named', () => {
    const history = new HistoryBuilder().connection('agent-1', 0, 20_000, { by: 'stop' });
    const result = checkConnectionDurations(history.input(['agent-1', 'agent-2']), {});
    expect(result.status).toBe('failed');
    expect(evidenceOf(result)).toMatchObject({ neverConnected: ['agent-2'] });
    expect(result.summary).toContain('agent-2');
  });

  test('a fleet that connected once each passes, the stop-closed connection counted with its time', () => {
    const history = new HistoryBuilder()
      .connection('agent-1', 0, 20_000, { by: 'stop' })
      .connection('agent-2', 0, 1_000, { code: 1006, reason: '' })
      .connection('agent-2', 2_000, 18_000, { by: 'stop' });
    const result = checkConnectionDurations(history.input(['agent-1', 'agent-2']), {});
    expect(result.status).toBe('passed');
    expect(evidenceOf(result)).toMatchObject({
      overall: { count: 3, minMs: 1_000, p50Ms: 18_000, maxMs: 20_000 },
      neverConnected: [],
      shortestAgents: [
        { agent: 'agent-2', count: 2, p50Ms: 1_000 },
        { agent: 'agent-1', count: 1, p50Ms: 20_000 },
      ],
    });
  });

  test('minP50Ms fails a fleet whose median connection is shorter, and passes one exactly at it', () => {
    const history = new HistoryBuilder()
      .connections('agent-1', 3, { openMs: 5, periodMs: 1_000 })
      .connection('agent-2', 0, 2_000, { by: 'stop' });
    // durations 5, 5, 5, 2000: median (nearest rank) 5 ms
    const short = checkConnectionDurations(history.input(['agent-1', 'agent-2']), { minP50Ms: 1_000 });
    expect(short.status).toBe('failed');
    expect(evidenceOf(short)).toMatchObject({ minP50Ms: 1_000, overall: { p50Ms: 5 } });
    expect(short.title).toContain('1.0 s');

    expect(checkConnectionDurations(history.input(['agent-1', 'agent-2']), { minP50Ms: 5 }).status).toBe('passed');
    expect(checkConnectionDurations(history.input(['agent-1', 'agent-2']), { minP50Ms: 6 }).status).toBe('failed');
  });

  test('with nobody connected, it fails on never-connected rather than on the median', () => {
    const result = checkConnectionDurations(new HistoryBuilder().input(['agent-1']), { minP50Ms: 1_000 });
    expect(result.status).toBe('failed');
    expect(evidenceOf(result)).toMatchObject({ overall: undefined, neverConnected: ['agent-1'] });
  });
});
